"""FLOPs vs. accuracy per task, as in mixmim.txt Fig. 2 (IN-1K top-1, COCO AP box, ADE20K mIoU).

Paper points are the reference rows that state encoder FLOPs (mixmim.txt Tables 2, 4 and 5); each method's
points are joined by a line across sizes. mimbench points are the aggregated records whose ``pretrain``
facts carry ``flops_g`` (crosses, labelled ``(mimbench)``).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from mimbench.leaderboard.ids import BACKBONES, METHODS, METRIC_NAMES, TASK_NAMES

PLOTS = (('in1k', 'top1'), ('coco', 'ap_box'), ('ade20k', 'miou'))  # mixmim.txt Fig. 2 left/middle/right
# the tables whose FLOPs column is the fine-tuned encoder's (mixmim.txt Fig. 2 plots these); ablation tables'
# FLOPs columns count other things (e.g. mixmim.txt Table 10: 115 G for a pre-training step)
ENCODER_FLOPS_TABLES = {('mixmim', '2'), ('mixmim', '4'), ('mixmim', '5')}


def plot_points(reference: pd.DataFrame, groups: pd.DataFrame, task: str, metric: str) -> pd.DataFrame:
    """The points of one plot: method, backbone, flops_g, value, source ('paper' or 'mimbench')."""
    in_tables = pd.Series([(p, str(t)) in ENCODER_FLOPS_TABLES for p, t in zip(reference['paper'], reference['table'])],
                          index=reference.index)
    ref = reference[in_tables & (reference['task'] == task) & (reference['metric'] == metric)
                    & reference['flops_g'].notna() & reference['value'].notna() & reference['variant'].isna()]
    # one point per method and size: its longest pre-training, as the papers' figures show
    paper = (ref.sort_values('pretrain_epochs', na_position='first')
             .drop_duplicates(['method', 'backbone', 'flops_g'], keep='last')
             [['method', 'backbone', 'pretrain_epochs', 'flops_g', 'value']].assign(source='paper'))
    ours = pd.DataFrame(columns=paper.columns)
    if len(groups):
        g = groups[(groups['task'] == task) & (groups['metric'] == metric) & groups['flops_g'].notna()]
        ours = g[['method', 'backbone', 'pretrain_epochs', 'flops_g', 'value']].assign(source='mimbench')
    frames = [f for f in (paper, ours) if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else paper


def plot_flops(reference: pd.DataFrame, groups: pd.DataFrame, task: str, metric: str,
               path: Path) -> Path | None:
    """Write one PNG; None when no point has FLOPs (nothing to plot)."""
    points = plot_points(reference, groups, task, metric)
    if points.empty:
        return None
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4), dpi=100)
    for (source, method), part in points.groupby(['source', 'method'], sort=True):
        part = part.sort_values('flops_g')
        label = METHODS.get(method, method) + (' (mimbench)' if source == 'mimbench' else '')
        ax.plot(part['flops_g'], part['value'], marker='x' if source == 'mimbench' else 'o',
                linestyle='--' if source == 'mimbench' else '-', label=label)
        for row in part.itertuples(index=False):
            ax.annotate(BACKBONES.get(row.backbone, row.backbone), (row.flops_g, row.value), fontsize=6,
                        textcoords='offset points', xytext=(3, 3))
    ax.set_xlabel('encoder FLOPs (G)')
    ax.set_ylabel(f'{TASK_NAMES[task]} {METRIC_NAMES[metric]} (%)')
    ax.set_title(f'FLOPs vs. {METRIC_NAMES[metric]} on {TASK_NAMES[task]}')
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, metadata={'Software': None})
    plt.close(fig)
    return path
