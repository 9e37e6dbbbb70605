"""Recipe cards: every result row of the four papers with the config that reproduces it, or why none does.

The rows are the papers' own numbers for their own methods (``leaderboards/reference/*.csv``). A row maps to
a transfer recipe through :func:`mimbench.transfer.tasks.task_config` -- the method's own recipe for that
(task, backbone, protocol), or a named one where the row's setting asks for it (448 px, SimMIM's 100-epoch
ablation models, CiM's 100/600-epoch ResNet schedules, MAE's unnormalised-pixel rows) -- and the card shows
that recipe's key values from ``configs/recipes.csv`` with their sources. Rows no public data or no mimbench
pre-training can reproduce carry the reason instead (:data:`NOT_REPRODUCIBLE`).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from mimbench.leaderboard.ids import COST_TASK
from mimbench.transfer import tasks

OWN_METHODS = {'mae': ('mae',), 'simmim': ('simmim',), 'cim': ('cim-respix', 'cim-revdet'),
               'mixmim': ('mixmim',)}
# reference variants that are transfer settings (the rest are pre-training settings: same transfer recipe)
TRANSFER_PROTOCOLS = {'linear-160k': 'linear-head', 'fcn-80k': 'fcn-head', 'fcn-160k': 'fcn-head-160k'}
# (paper, backbones or None, metric or None, reason)
NOT_REPRODUCIBLE = (
    ('simmim', ('swinv2-g',), None,
     'pre-trained on a privately collected ImageNet-22K-ext (simmim.txt Sec. 4.3, Table 7): the data is not '
     'public'),
    ('simmim', ('swinv2-h',), None,
     'needs SimMIM pre-training of SwinV2-H (simmim.txt Sec. 4.3): mmpretrain 1.2 builds SwinV2-H for '
     'fine-tuning, but neither it (SimMIMSwinTransformer is Swin v1) nor mimbench pre-trains SwinV2 with '
     'SimMIM, and no SwinV2-H SimMIM checkpoint was released'),
    ('mixmim', ('vit-b', 'vit-l', 'swin-b', 'swin-l', 'pvt-l'), None,
     'MixMIM pre-training of other encoders (mixmim.txt Table 3) is not in mimbench, which pre-trains the '
     'MixMIM encoder only, and no such checkpoint was released'),
    ('mixmim', ('resnet-50x3', 'resnet-101x3'), None,
     'MixMIM on ConvNets (mixmim.txt Sec. 9, Table 13) pre-trains ResNet-50x3/101x3 with a mixed partial '
     'convolution that neither mmpretrain nor mimbench implements, and no such checkpoint was released'),
)
MAE_ABLATION_TABLE = re.compile(r'^(1[a-f]|2)$')   # mae.txt Tables 1(a)-(f) and 2
KEY_VALUES = ('lr', 'batch', 'epochs', 'iters', 'warmup_epochs', 'warmup_iters', 'layer_decay', 'drop_path',
              'weight_decay', 'resolution')


@dataclass
class Card:
    """One paper row and how mimbench reproduces it."""
    row: dict
    config: str | None = None
    recipe: str | None = None
    reason: str | None = None
    values: list[dict] = field(default_factory=list)   # [{key, value, status, source}]
    problems: list[str] = field(default_factory=list)  # the config differs from the row's setting

    @property
    def title(self) -> str:
        r = self.row
        setting = ', '.join(s for s in (
            f'PT {int(r["pretrain_epochs"])} ep' if _given(r['pretrain_epochs']) else '',
            f'FT {int(r["finetune_epochs"])} ep' if _given(r['finetune_epochs']) else '',
            f'{int(r["resolution"])} px' if _given(r['resolution']) else '',
            r['variant'] or '') if s)
        value = f'{r["value"]:g}' if _given(r['value']) else '(no number)'
        return (f'{r["paper"]} Table {r["table"]}: {r["method"]} {r["backbone"]} {r["task"]} {r["metric"]} '
                f'{value}' + (f' [{setting}]' if setting else ''))


def _given(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and value != ''


def request(row: dict) -> tuple[str, str | None]:
    """``(protocol, named recipe or None)`` a reference row asks :func:`tasks.task_config` for."""
    protocol = 'linear' if row['metric'] == 'linear' else TRANSFER_PROTOCOLS.get(row['variant'], 'finetune')
    if protocol == 'linear' and row['method'] == 'simmim':   # simmim.txt Sec. 4.2: the best intermediate block
        protocol = 'linear-block'
    method, backbone, task = row['method'], row['backbone'], row['task']
    name = None
    if _given(row['resolution']) and row['resolution'] == 448:
        name = '448px'
    elif method == 'simmim' and backbone == 'swin-b' and task == 'in1k' and row['pretrain_epochs'] == 100:
        name = 'ablation'                      # simmim.txt Sec. 4.1.1: fine-tuned at 192 px, decay 0.9
    elif method == 'mae' and task == 'in1k' and protocol == 'finetune' and (
            row['variant'] in ('pixel-no-norm', 'dvae-token') or MAE_ABLATION_TABLE.match(str(row['table']))):
        # Table 9 is the unnormalised-pixel recipe (FINETUNE.md notes), and the paper's own protocol for its
        # ablations (Tables 1-2: unnormalised pixels by default, mae.txt Table 1 caption; fine-tuning A.1)
        name = 'paper'
    elif method.startswith('cim') and backbone == 'resnet-50' and row['finetune_epochs'] in (100, 600):
        name = f'{int(row["finetune_epochs"])}e'
    return protocol, name


def not_reproducible(row: dict) -> str | None:
    for paper, backbones, metric, reason in NOT_REPRODUCIBLE:
        if row['paper'] == paper and (backbones is None or row['backbone'] in backbones) and \
                (metric is None or row['metric'] == metric):
            return reason
    if row['task'] == COST_TASK:
        return ('a pre-training cost (hours, speed-up or relative cost), not a downstream result: the '
                'pre-training config of the row is under configs/pretrain/ (ablations: its ablation/ folder)')
    if row['task'] not in tasks.TASKS or tasks.TASKS[row['task']].evaluates:
        return (f'{row["task"]} evaluates the fine-tuned ImageNet-1K model (no transfer recipe of its own): '
                'see the in1k card of the same method and backbone')
    return None


def card_for(row: dict, table=None) -> Card:
    """The card of one reference row (a dict of a ``load_reference`` frame row)."""
    from mimbench.recipes.effective import effective_values, identity, load_config
    from mimbench.recipes.table import fmt, load_table, rows_for

    card = Card(row)
    card.reason = not_reproducible(row)
    if card.reason:
        return card
    protocol, name = request(row)
    try:
        path = tasks.task_config(row['task'], row['backbone'], 'full', protocol, row['method'], variant=name)
    except ValueError as err:
        card.reason = f'no recipe in mimbench: {err}'
        return card
    if (row['backbone'], protocol, row['method']) not in tasks.TASKS[row['task']].variants and name is None:
        note = tasks.recipe_note(row['task'], row['backbone'], protocol, row['method'])
        card.problems.append(note or 'no recipe of its own')
    cfg = load_config(path)
    who = identity(cfg, path)
    card.config = str(Path(path).relative_to(Path(tasks.CONFIG_ROOT).parents[1]))
    card.recipe = who['recipe']
    values = effective_values(cfg, path)
    if _given(row['finetune_epochs']) and values.get('epochs') not in (None, row['finetune_epochs']):
        card.problems.append(f'the paper fine-tunes {int(row["finetune_epochs"])} epochs, the recipe '
                             f'{fmt(values["epochs"])}')
    shown = values.get('test_crop', values.get('resolution'))
    if _given(row['resolution']) and row['task'] in ('in1k', 'inat2017', 'inat2018', 'inat2019', 'places205',
                                                     'places365') and shown != row['resolution']:
        card.problems.append(f'the paper evaluates at {int(row["resolution"])} px, the recipe at '
                             f'{fmt(shown)}')
    table = load_table() if table is None else table
    rows = rows_for(table, who['recipe'], who['task'], who['backbone'], who['method'], who['protocol'])
    for key in KEY_VALUES:
        for r in rows[rows['key'] == key].itertuples():
            card.values.append(dict(key=key, value=r.value, status=r.status, source=f'{r.paper} {r.where}',
                                    note=r.note))
    return card


def cards(papers=None, task=None, method=None, backbone=None, reference_dir=None) -> list[Card]:
    """Cards of every reference row of the papers' own methods (filtered by the arguments)."""
    from mimbench.leaderboard.reference import load_reference

    frame = load_reference(reference_dir, papers)
    out = []
    for row in frame.to_dict('records'):
        row = {k: (None if isinstance(v, float) and math.isnan(v) and k in ('variant', 'target',
                                                                             'pretrain_data') else v)
               for k, v in row.items()}
        if row['method'] not in OWN_METHODS.get(row['paper'], ()):
            continue
        if (task and row['task'] != task) or (method and row['method'] != method) or \
                (backbone and row['backbone'] != backbone):
            continue
        out.append(card_for(row))
    return out


def render_text(items: list[Card], markdown: bool = False) -> str:
    """Cards as plain text (``mimbench recipes``) or Markdown (the generated page)."""
    marks = {'paper': '', 'release': ' [release]', 'open': ' [open]', 'derived': ' [derived]'}
    intro = ('Every result the four papers report for their own method, with the mimbench config that '
             'reproduces it and its key values (source in brackets: [release] = the official code, [open] = '
             'the paper leaves it open, see the note). Generated by `mimbench recipes --markdown`; all values: '
             '`configs/recipes.csv`.')
    lines = ['# Recipe cards', '', intro, ''] if markdown else []
    for card in items:
        lines.append(('## ' if markdown else '') + card.title)
        if card.reason:
            lines.append(f'  no recipe: {card.reason}' if not markdown else f'- no recipe: {card.reason}')
        else:
            bullet = '- ' if markdown else '  '
            lines.append(f'{bullet}config: {card.config}  (recipe: {card.recipe})')
            for v in card.values:
                lines.append(f'{bullet}{v["key"]} = {v["value"]}{marks[v["status"]]}  ({v["source"]})'
                             + (f' -- {v["note"]}' if v['status'] == 'open' and v['note'] else ''))
            lines += [f'{bullet}NOTE: {p}' for p in card.problems]
        lines.append('')
    return '\n'.join(lines)
