"""Fill a TableSpec from the reference numbers and the aggregated records; render it as Markdown, CSV, LaTeX.

A metric cell shows the paper value, the mimbench value and Δ = mimbench − paper (``83.6 / 83.1 (-0.5)``).
Without records a table prints exactly the paper's numbers in the paper's layout. Smoke-scale results are
shown marked ``(smoke)`` and without Δ (a 64-pixel toy run is not comparable to a paper number); full-scale
results are preferred when both exist. Best values are marked per column (or per row) as the paper does.
A record fills a cell when it has every field of the cell's key; a record with a ``variant`` (an ablation
setting, partial fine-tuning, an intermediate-block linear probe) fills only cells that ask for that variant,
in their key or as the variant of the paper number they show (simmim.txt Table 6 linear: linear-block).
Where the runs kept per-sample outcomes a cell carries a 95% interval (``ci_low``/``ci_high``,
:mod:`mimbench.leaderboard.intervals`) and the paper value's ``verdict`` against it (within / outside / no
interval), shown as ``[low, high]`` and ✓/✗.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from mimbench.leaderboard.ids import BACKBONES, COST_METRICS, METHODS, TASK_NAMES
from mimbench.leaderboard.specs import Column, TableSpec
from mimbench.results import best_value


def _norm(value):
    """Comparable form of a key value: None for missing, float for numbers, str otherwise."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value


def matches(item: dict[str, Any], key: dict[str, Any]) -> bool:
    """True when ``item`` has every key field's value. A missing resolution means the default 224."""
    for name, wanted in key.items():
        have = _norm(item.get(name))
        if name == 'resolution' and have is None:
            have = 224.0
        if _norm(wanted) != have:
            return False
    return True


@dataclass
class Cell:
    """One metric cell: the paper's number and the reproduced one (mean over runs of final evaluations)."""
    paper: float | None = None
    paper_missing: bool = False          # the paper row exists but its number is illegible in the OCR text
    note: str = ''
    source: str = ''                     # reference CSV line
    repro: float | None = None
    repro_std: float | None = None
    repro_best: float | None = None      # mean over runs of the best-over-evaluations; labelled as best
    n: int = 0
    scale: str = ''
    paper_best: bool = False
    repro_top: bool = False
    ci_low: float | None = None          # 95% interval of the reproduced value (mimbench.stats)
    ci_high: float | None = None
    ci_method: str | None = None         # 'bootstrap' (one run) or 'bootstrap+seeds'
    metric: str = ''                     # which metric (the best of ``mce`` is the smallest)
    key: dict[str, Any] = field(default_factory=dict)   # the cell's key (task, metric, backbone, variant...)
    paper_epochs: float | None = None    # pre-training epochs of the paper row
    repro_epochs: float | None = None    # pre-training epochs of the reproduced runs
    records: tuple[str, ...] = ()        # record files of the reproduced runs
    configs: tuple[str, ...] = ()        # their config files
    recipes: tuple[str, ...] = ()        # their paper recipes (e.g. 'mae.txt Table 9')

    @property
    def delta(self) -> float | None:
        if self.paper is None or self.repro is None or self.scale != 'full':
            return None
        return round(self.repro - self.paper, 2)

    @property
    def verdict(self) -> str | None:
        """Is the paper's value within the reproduced interval? None where no comparison applies (no paper
        value, nothing reproduced, or a smoke-scale run)."""
        if self.paper is None or self.repro is None or self.scale != 'full':
            return None
        from mimbench.stats import verdict
        return verdict(self.paper, self.ci_low, self.ci_high)


@dataclass
class BuiltTable:
    """A filled table: ``cells[i][j]`` is a Cell for metric columns, a string for attribute columns."""
    spec: TableSpec
    labels: list[str]
    row_keys: list[dict[str, Any]]
    columns: list[Column]
    cells: list[list[Any]]
    extra: list[bool] = field(default_factory=list)   # row added for reproduced runs the paper lacks


def _fmt(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '–'
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and digits == 0 else f'{value:.{digits}f}'
    return str(value)


def _attr_text(name: str, value) -> str:
    value = _norm(value)
    if value is None:
        return '–'
    if name == 'backbone':
        return BACKBONES.get(value, value)
    if name == 'task':
        return TASK_NAMES.get(value, value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f'{value:g}'
    return str(value)


def _row_label(spec: TableSpec, key: dict[str, Any], label: str | None) -> str:
    if spec.row_label == 'label' and label:
        return label
    if spec.row_label == 'task':
        return TASK_NAMES.get(key['task'], key['task'])
    if spec.row_label == 'backbone':
        return BACKBONES.get(key['backbone'], key['backbone'])
    return label or ''


def _extra_label(key: dict[str, Any]) -> str:
    parts = []
    for name, value in key.items():
        value = _norm(value)
        if value is None:
            continue
        if name == 'method':
            parts.append(METHODS.get(value, value))
        elif name == 'pretrain_epochs':
            parts.append(f'{int(value)} ep')
        elif name == 'finetune_epochs':
            parts.append(f'ft {int(value)} ep')
        else:
            parts.append(_attr_text(name, value))
    return ' '.join(parts) + ' (mimbench)'


def _pick(candidates: list[dict[str, Any]], paper_row: dict[str, Any] | None) -> dict[str, Any] | None:
    """Among settings matching a cell: full scale first, then the paper's pre-train epochs, then most runs."""
    if not candidates:
        return None
    epochs = _norm(paper_row.get('pretrain_epochs')) if paper_row else None

    def rank(g):
        return (g['scale'] == 'full', epochs is not None and _norm(g['pretrain_epochs']) == epochs, g['n'],
                _norm(g['pretrain_epochs']) or 0.0)
    return max(candidates, key=rank)


def build_table(spec: TableSpec, reference: pd.DataFrame, groups: pd.DataFrame,
                tasks=None) -> BuiltTable | None:
    """Fill ``spec`` from ``reference`` (all papers' rows) and ``groups`` (records.aggregate output).

    Raises ValueError when a cell selects more than one reference number (the spec's keys are too loose).
    Returns None when task filtering leaves no row.
    """
    ref = reference[(reference['paper'] == spec.paper) & (reference['table'] == spec.table)]
    ref_rows = ref.to_dict('records')
    if not ref_rows:
        raise ValueError(f'{spec.source}: no reference rows for paper={spec.paper!r} table={spec.table!r}; '
                         f'expected them in leaderboards/reference/{spec.paper}.csv')
    group_rows = groups.to_dict('records')
    by_eval: dict[tuple, list[dict]] = {}
    for g in group_rows:
        by_eval.setdefault((g['task'], g['metric']), []).append(g)

    # rows in the paper's order
    row_keys, labels, seen = [], [], set()
    for r in ref_rows:
        key = {k: r[k] for k in spec.row_keys}
        ident = tuple(_norm(v) for v in key.values())
        if ident not in seen:
            seen.add(ident)
            row_keys.append(key)
            labels.append(_row_label(spec, key, r['label']))
    extra = [False] * len(row_keys)
    metric_cols = [c for c in spec.columns if c.is_metric]
    if spec.extra_rows:
        for g in group_rows:
            if not matches(g, spec.where):
                continue
            key = {k: g[k] for k in spec.row_keys}
            ident = tuple(_norm(v) for v in key.values())
            if ident in seen:
                continue
            if any(matches(g, {'variant': None, **c.key()}) for c in metric_cols) or (
                    'variant' in spec.row_keys and any(matches(g, c.key()) for c in metric_cols)):
                seen.add(ident)
                row_keys.append(key)
                labels.append(_extra_label(key))
                extra.append(True)
    if tasks and 'task' in spec.row_keys:
        keep = [i for i, k in enumerate(row_keys) if k['task'] in tasks]
        row_keys = [row_keys[i] for i in keep]
        labels, extra = [labels[i] for i in keep], [extra[i] for i in keep]
    if not row_keys:
        return None

    cells: list[list[Any]] = []
    for row_key, is_extra in zip(row_keys, extra):
        line = []
        for column in spec.columns:
            key = {**spec.where, **row_key, **column.key()}
            if column.by_row is not None:          # grid table: the column names this row's cell, if any
                if row_key['label'] not in column.by_row:
                    line.append(Cell())
                    continue
                key.update(column.by_row[row_key['label']])
            found = [r for r in ref_rows if matches(r, key)]
            if column.is_metric and len(found) > 1:
                raise ValueError(f'{spec.source}: cell {key} selects {len(found)} reference rows '
                                 f'({", ".join(r["source"] for r in found)}); add a key to the spec')
            if not column.is_metric:
                if is_extra:
                    values = [g[column.attr] for g in group_rows if matches(g, key) and column.attr in g]
                    value = values[0] if values else key.get(column.attr)
                else:
                    distinct = list(dict.fromkeys(_attr_text(column.attr, r[column.attr]) for r in found))
                    value = '/'.join(distinct) if distinct else '–'
                    line.append(value)
                    continue
                line.append(_attr_text(column.attr, value))
                continue
            cell = Cell(metric=key.get('metric') or '', key={k: v for k, v in key.items() if k != 'label'})
            paper_row = found[0] if found else None
            if paper_row is not None:
                cell.source, cell.note = paper_row['source'], paper_row['note']
                cell.paper_epochs = _norm(paper_row['pretrain_epochs'])
                if _norm(paper_row['value']) is None:
                    cell.paper_missing = True
                else:
                    cell.paper = float(paper_row['value'])
            if paper_row is not None and _norm(paper_row['variant']) is not None:
                # runs fill the cell of a paper number measured the same way (its variant: linear-block)
                cell.key.setdefault('variant', _norm(paper_row['variant']))
            record_key = {'variant': None, **cell.key}
            chosen = _pick([g for g in by_eval.get((key.get('task'), key.get('metric')), [])
                            if matches(g, record_key)], paper_row)
            if chosen is not None:
                cell.repro, cell.n, cell.scale = float(chosen['value']), int(chosen['n']), chosen['scale']
                cell.repro_std = _norm(chosen['std'])
                cell.repro_best = _norm(chosen['best'])
                cell.ci_low, cell.ci_high = _norm(chosen.get('ci_low')), _norm(chosen.get('ci_high'))
                cell.ci_method = chosen.get('ci_method') if cell.ci_low is not None else None
                cell.repro_epochs = _norm(chosen['pretrain_epochs'])
                cell.records, cell.configs = chosen.get('paths', ()), chosen.get('configs', ())
                cell.recipes = chosen.get('recipes', ())
            line.append(cell)
        cells.append(line)
    table = BuiltTable(spec, labels, row_keys, list(spec.columns), cells, extra)
    _mark_best(table)
    return table


def _mark_best(table: BuiltTable) -> None:
    spec = table.spec
    if spec.best_axis is None:
        return
    groups: list[list[Cell]] = []
    # cost columns (hours, speed-ups, relative costs) are never marked: the papers mark accuracy only
    metric_idx = [j for j, c in enumerate(table.columns) if c.is_metric and c.metric not in COST_METRICS]
    if spec.best_axis == 'column':
        groups = [[row[j] for row in table.cells] for j in metric_idx]
    else:
        groups = [[row[j] for j in metric_idx] for row in table.cells]
    # cells of one metric compete (a row of mae.txt Table 13 mixes mCE and top-1); the best is the metric's
    groups = [[c for c in cells if c.metric == metric] for cells in groups for metric in
              dict.fromkeys(c.metric for c in cells)]
    for cells in groups:
        papers = [c.paper for c in cells if c.paper is not None]
        if spec.best and papers:
            for c in cells:
                c.paper_best = c.paper is not None and c.paper == best_value(c.metric, papers)
        # smoke runs never rank
        repros = [c.repro for c in cells if c.repro is not None and c.scale == 'full']
        if len(repros) > 1:
            top = best_value(cells[0].metric, repros)
            for c in cells:
                c.repro_top = c.repro is not None and c.scale == 'full' and c.repro == top


def mean_cells(table: BuiltTable) -> list[Cell]:
    """The spec's mean column: printed paper averages and the mean of the reproduced metric cells."""
    out = []
    for row_key, line in zip(table.row_keys, table.cells):
        cell = Cell()
        ident = tuple(_norm(v) if not isinstance(v, str) else v for v in row_key.values())
        printed = table.spec.mean_printed.get(ident)
        cell.paper = printed
        metric = [c for c in line if isinstance(c, Cell)]
        if metric and all(c.repro is not None for c in metric):
            cell.repro = sum(c.repro for c in metric) / len(metric)
            scales = {c.scale for c in metric}
            cell.scale = 'full' if scales == {'full'} else 'smoke'
            cell.n = min(c.n for c in metric)
        out.append(cell)
    return out


def column_headers(table: BuiltTable) -> list[str]:
    headers = [f'{c.group} {c.header}' if c.group else c.header for c in table.columns]
    if table.spec.mean_column:
        headers.append(table.spec.mean_column)
    return headers


def row_header(spec: TableSpec) -> str:
    if spec.row_header:
        return spec.row_header
    return {'task': 'Dataset', 'backbone': 'Backbone'}.get(spec.row_label, 'Method')


def paper_text(cell: Cell) -> str:
    """The paper side of a cell: the number, ``?`` (illegible), ``×`` (diverged), ``N/A`` or ``–`` (none)."""
    if cell.paper_missing:
        return '×' if 'diverged' in cell.note else 'N/A' if cell.note.startswith('N/A') else '?'
    return _fmt(cell.paper)


def repro_text(cell: Cell) -> str:
    """The mimbench side: mean of the runs' final evaluations with its 95% interval where the runs kept
    per-sample outcomes, else ``±std`` over several runs."""
    text = _fmt(cell.repro)
    if cell.repro is None:
        return text
    if cell.ci_low is not None and cell.ci_high is not None:
        text += f' [{cell.ci_low:.1f}, {cell.ci_high:.1f}]'
    elif cell.repro_std is not None and cell.n > 1:
        text += f'±{cell.repro_std:.1f}'
    return text


def cell_text(cell: Cell, style: str = 'md', best: str | None = 'bold') -> str:
    """``paper / mimbench (Δ)``; paper only when nothing was reproduced, ``?`` for an illegible number."""
    def mark(text, how):
        if style == 'md':
            return {'bold': f'**{text}**', 'underline': f'<u>{text}</u>'}.get(how, text)
        if style == 'tex':
            return {'bold': rf'\textbf{{{text}}}', 'underline': rf'\underline{{{text}}}'}.get(how, text)
        return text

    paper = paper_text(cell)
    if cell.paper_best:
        paper = mark(paper, best)
    if cell.repro is None:
        return paper
    repro = repro_text(cell)
    if cell.repro_top:
        repro = mark(repro, 'bold')
    text = f'{paper} / {repro}'
    if cell.scale != 'full':
        return text + ' (smoke)'
    if cell.delta is not None:
        text += f' ({cell.delta:+.1f}' + {'within': ' ✓', 'outside': ' ✗'}.get(cell.verdict, '') + ')'
    return text


def grid(table: BuiltTable, style: str = 'md') -> list[list[str]]:
    """The table as strings, one list per row, the row label first."""
    means = mean_cells(table) if table.spec.mean_column else None
    out = []
    for i, (label, line) in enumerate(zip(table.labels, table.cells)):
        row = [label] + [cell_text(c, style, table.spec.best) if isinstance(c, Cell) else c for c in line]
        if means is not None:
            row.append(cell_text(means[i], style, None))
        out.append(row)
    return out


def _unique_names(table: BuiltTable) -> list[str]:
    """Row labels, with the row key spelled out where a label repeats (e.g. MoCo v3 ViT-B and ViT-L)."""
    names = []
    for label, key in zip(table.labels, table.row_keys):
        if table.labels.count(label) > 1:
            parts = [_attr_text(k, v) for k, v in key.items() if k != 'method' and _norm(v) is not None]
            label = f'{label} [{", ".join(parts)}]' if parts else label
        names.append(label)
    return names


def notes(table: BuiltTable) -> list[str]:
    """Each reference note once per row, naming the columns it concerns."""
    lines = []
    for label, line in zip(_unique_names(table), table.cells):
        by_note: dict[str, list[str]] = {}
        for column, cell in zip(table.columns, line):
            if isinstance(cell, Cell) and cell.note:
                header = f'{column.group} {column.header}' if column.group else column.header
                by_note.setdefault(cell.note, []).append(header)
        for note, headers in by_note.items():
            lines.append(f'{label} ({", ".join(headers)}): {note}')
    return lines


def to_markdown(table: BuiltTable) -> str:
    spec = table.spec
    headers = [row_header(spec)] + column_headers(table)
    out = [f'## {PAPER_NAMES[spec.paper]} Table {spec.table}: {spec.title}',
           '', f'Source: `{spec.source}`. ' + LEGEND + (
               f' Best per {spec.best_axis}: paper values in {spec.best} (as the paper marks them), '
               'full-scale mimbench values in bold.' if spec.best else ''), '',
           '| ' + ' | '.join(headers) + ' |', '|' + '|'.join(['---'] + [':---:'] * (len(headers) - 1)) + '|']
    for row in grid(table, 'md'):
        out.append('| ' + ' | '.join(t.replace('|', '\\|') for t in row) + ' |')
    table_notes = notes(table)
    if table_notes:
        out += ['', 'Notes from the transcription:', ''] + [f'- {n}' for n in table_notes]
    return '\n'.join(out) + '\n'


PAPER_NAMES = {'mae': 'MAE', 'simmim': 'SimMIM', 'cim': 'CiM', 'mixmim': 'MixMIM'}
LEGEND = ('Cells: paper value, or `paper / mimbench (Δ = mimbench − paper)` where mimbench has results '
          '(final evaluation, mean ± std over runs; best-over-evaluations only in the CSV, labelled '
          '`reproduced_best`). `[a, b]`: 95% interval of the mimbench value (bootstrap over images combined '
          'with the spread over seeds, `mimbench.stats`), shown where the runs kept per-sample outcomes; '
          '✓/✗ after Δ: the paper value lies within/outside it. `?`: number illegible in the paper text; '
          '`×`: the paper\'s run diverged; `N/A`: printed N/A by the paper. `(smoke)`: smoke-scale run, '
          'no Δ.')

_TEX = {'×': r'$\times$', '✓': r'\checkmark{}', '✗': r'$\times$', '\\': r'\textbackslash{}',
        '&': r'\&', '%': r'\%', '_': r'\_', '#': r'\#', '$': r'\$',
        '²': r'$^2$', 'ℓ': r'$\ell$', '±': r'$\pm$', '–': '--', '−': '-', '†': r'$^\dagger$',
        '‡': r'$^\ddagger$'}


def tex_escape(text: str) -> str:
    return ''.join(_TEX.get(ch, ch) for ch in text)


def to_latex(table: BuiltTable) -> str:
    """A booktabs tabular (needs ``\\usepackage{booktabs}``); best values keep the paper's marks."""
    spec = table.spec
    headers = [row_header(spec)] + column_headers(table)
    lines = [f'% {spec.source}: {spec.title}. Generated by `mimbench leaderboard`; do not edit.',
             r'\begin{tabular}{l' + 'c' * (len(headers) - 1) + '}', r'\toprule',
             ' & '.join(tex_escape(h) for h in headers) + r' \\', r'\midrule']
    for row in grid(table, 'tex'):
        lines.append(' & '.join([tex_escape(row[0])] + [_tex_keep_marks(t) for t in row[1:]]) + r' \\')
    lines += [r'\bottomrule', r'\end{tabular}']
    return '\n'.join(lines) + '\n'


def _tex_keep_marks(text: str) -> str:
    """Escape a cell rendered in 'tex' style while keeping its \\textbf{}/\\underline{} marks."""
    for command in ('textbf', 'underline'):
        text = text.replace('\\' + command + '{', f'\x00{command}\x01')
    text = text.replace('}', '\x02')
    escaped = tex_escape(text)
    for command in ('textbf', 'underline'):
        escaped = escaped.replace(f'\x00{command}\x01', '\\' + command + '{')
    return escaped.replace('\x02', '}')


def to_long_frame(table: BuiltTable) -> pd.DataFrame:
    """Machine-readable cells: one row per metric cell."""
    rows = []
    for label, row_key, line, is_extra in zip(table.labels, table.row_keys, table.cells, table.extra):
        for column, cell in zip(table.columns, line):
            if not isinstance(cell, Cell) or (column.by_row is not None and not cell.key):
                continue                          # an attribute, or a grid position the paper leaves empty
            key = {**table.spec.where, **row_key, **column.key(), **cell.key}
            rows.append({
                'paper': table.spec.paper, 'table': table.spec.table, 'row': label,
                'column': f'{column.group} {column.header}' if column.group else column.header,
                'method': key.get('method'), 'backbone': key.get('backbone'), 'task': key.get('task'),
                'metric': key.get('metric'), 'variant': key.get('variant'), 'paper_value': cell.paper,
                'reproduced': cell.repro,
                'reproduced_std': cell.repro_std, 'reproduced_best': cell.repro_best, 'n_runs': cell.n,
                'ci_low': cell.ci_low, 'ci_high': cell.ci_high, 'ci_method': cell.ci_method,
                'verdict': cell.verdict,
                'scale': cell.scale or None, 'delta': cell.delta, 'extra_row': is_extra,
                'reference': cell.source or None, 'note': cell.note or None})
    return pd.DataFrame(rows)
