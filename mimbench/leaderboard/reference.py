"""The papers' own numbers: the CSVs under ``leaderboards/reference/``, one file per paper.

Each row is one printed number (one cell of a paper table)::

    paper,table,method,backbone,task,metric,value,pretrain_epochs,finetune_epochs,resolution,
    flops_g,params_m,pretrain_data,target,variant,label,note

``value`` is in percent as printed (cost metrics of the pseudo-task ``pretrain``: hours or a ratio, see
mimbench.leaderboard.ids); it is empty only where the OCR text lost the number, the paper's run
diverged (printed ×) or the paper prints N/A, and then ``note`` says so (we record the gap instead of
guessing). ``label`` is the
row name as the paper prints it, ``variant`` separates rows that share method/backbone/epochs (ablation
settings, schedules; empty for a paper's default recipe), ``note`` keeps OCR repairs and cross-paper
disagreements (e.g. MoCo v3 ViT-B mask AP: 42.7 in mae.txt Table 4, 42.9 in mixmim.txt Table 4; both rows
are kept, each in its own paper's table).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from mimbench.leaderboard.ids import (BACKBONES, COST_METRICS, COST_TASK, METHODS, METRICS, PAPERS, TASKS,
                                      check_id)

COLUMNS = ('paper', 'table', 'method', 'backbone', 'task', 'metric', 'value', 'pretrain_epochs',
           'finetune_epochs', 'resolution', 'flops_g', 'params_m', 'pretrain_data', 'target', 'variant',
           'label', 'note')
NUMERIC = ('value', 'pretrain_epochs', 'finetune_epochs', 'resolution', 'flops_g', 'params_m')
# fields that, together, identify one printed number within a table
KEY = ('paper', 'table', 'method', 'backbone', 'task', 'metric', 'pretrain_epochs', 'finetune_epochs',
       'resolution', 'variant')
DEFAULT_DIR = Path(__file__).resolve().parents[2] / 'leaderboards' / 'reference'


def read_reference_csv(path: str | Path) -> pd.DataFrame:
    """Read one reference CSV with the expected dtypes (numbers as float, text as str, empty as NaN/None)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding='utf-8')
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f'{path}: missing column(s) {", ".join(missing)}; expected the columns '
                         f'{",".join(COLUMNS)}')
    frame = frame[list(COLUMNS)].copy()
    frame['source'] = [f'{Path(path).name}:{i + 2}' for i in range(len(frame))]  # line in the file
    for column in NUMERIC:
        frame[column] = pd.to_numeric(frame[column].replace('', None), errors='coerce').astype(float)
    for column in ('variant', 'pretrain_data', 'target'):
        frame[column] = frame[column].replace('', None)
    return frame


def validate_reference(frame: pd.DataFrame) -> list[str]:
    """Every problem in a reference frame as a sentence naming the CSV line; empty when valid."""
    problems = []
    allowed = {'paper': PAPERS, 'method': METHODS, 'backbone': BACKBONES, 'task': TASKS + (COST_TASK,),
               'metric': METRICS + tuple(COST_METRICS)}
    for row in frame.itertuples(index=False):
        for kind, ids in allowed.items():
            problem = check_id(kind, getattr(row, kind), ids)
            if problem:
                problems.append(f'{row.source}: {problem}')
        if not row.table:
            problems.append(f'{row.source}: empty table id')
        cost = row.metric in COST_METRICS
        if cost != (row.task == COST_TASK):
            problems.append(f'{row.source}: cost metrics ({", ".join(COST_METRICS)}) go with task '
                            f'{COST_TASK!r} and only there; found task {row.task!r}, metric {row.metric!r}')
        if pd.isna(row.value):
            if not row.note:
                problems.append(f'{row.source}: value is empty or not a number and no note says why; '
                                'write the printed number or explain the gap in note')
        elif cost and not row.value > 0:
            problems.append(f'{row.source}: {row.metric} value {row.value} is not a positive number')
        elif not cost and not 0 <= row.value <= 100:
            problems.append(f'{row.source}: value {row.value} is not a percentage in [0, 100]')
    duplicated = frame[frame.duplicated(list(KEY), keep=False)]
    for source in duplicated['source']:
        problems.append(f'{source}: another row has the same {"/".join(KEY)}; '
                        'add a variant to tell them apart')
    return problems


def load_reference(directory: str | Path | None = None, papers=None) -> pd.DataFrame:
    """All reference CSVs of ``directory`` (default ``leaderboards/reference``) as one validated frame.

    Raises ValueError listing every problem, since a wrong reference number would silently corrupt every
    table built from it.
    """
    directory = Path(directory) if directory is not None else DEFAULT_DIR
    paths = sorted(directory.glob('*.csv'))
    if not paths:
        raise ValueError(f'no reference CSV in {directory}; expected leaderboards/reference/<paper>.csv')
    frame = pd.concat([read_reference_csv(p) for p in paths], ignore_index=True)
    problems = validate_reference(frame)
    if problems:
        raise ValueError('invalid reference results:\n  ' + '\n  '.join(problems))
    if papers:
        frame = frame[frame['paper'].isin(list(papers))].reset_index(drop=True)
    return frame
