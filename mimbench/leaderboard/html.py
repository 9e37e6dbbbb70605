"""The leaderboards as one static page, ``index.html``, written next to the Markdown by ``--html``.

The page renders the same table model as the Markdown (``tables.BuiltTable`` for each paper table, the
combined frame of ``combined.py``): every metric column of a table with reproduced runs becomes three
sortable columns, paper value / mimbench value / Δ (with the 95% interval and the ✓/✗ verdict where the
runs kept per-sample outcomes), and each mimbench value links to its record files and config files. A
filter bar narrows every table at once by task, backbone size and pre-training epochs; the plots are
embedded.

It is self-contained: inline CSS and a little vanilla JavaScript, plots as ``data:`` URIs, links relative to
the page, nothing fetched from a network or a server (open it from disk). Records are user files, so
everything taken from them or from the reference CSVs is HTML-escaped, links are percent-encoded relative
paths (no scheme can be smuggled in), the script only moves rows and toggles classes (no ``innerHTML``),
and a Content-Security-Policy lets only the page's own script and style run (by hash).
"""
from __future__ import annotations

import base64
import hashlib
import html
import math
import os
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from mimbench.leaderboard import tables
from mimbench.leaderboard.combined import PROTOCOLS, paper_text
from mimbench.leaderboard.ids import BACKBONES, COST_METRICS, METHODS, metric_name, task_name

SIZES = {'s': 'small', 'b': 'base', 'l': 'large', 'h': 'huge', 'g': 'giant', 'smoke': 'smoke'}
SIZE_ORDER = ('small', 'base', 'large', 'huge', 'giant', 'resnet', 'other', 'smoke')


def backbone_size(backbone) -> str:
    """Size class of a backbone id for the filter: vit-b, swin-b, mixmim-b -> 'base'; resnet-* -> 'resnet'."""
    if not isinstance(backbone, str) or not backbone:
        return ''
    family, _, size = backbone.partition('-')
    if family == 'resnet' and size != 'smoke':
        return 'resnet'
    return SIZES.get(size, 'other')


def _esc(value) -> str:
    return html.escape('' if value is None else str(value), quote=True)


def _href(path: str, out_dir: Path) -> str:
    """A relative, percent-encoded link from the page to ``path`` (a record or config file)."""
    target = Path(path)
    if not target.is_absolute():
        target = Path.cwd() / target
    relative = os.path.relpath(target, out_dir)
    return _esc(quote(Path(relative).as_posix(), safe='/'))


def _number(value) -> str:
    """Sort key of a cell: the number, or empty (sorted last)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ''
    return repr(float(value))


def _epochs(*values) -> str:
    return ' '.join(dict.fromkeys(str(int(v)) for v in values
                                  if v is not None and not (isinstance(v, float) and math.isnan(v))))


class Page:
    """Collects the sections of the page and the values its filters offer."""

    def __init__(self, out_dir: Path, reference_dir: Path | None):
        self.out_dir = Path(out_dir).resolve()
        self.reference_dir = Path(reference_dir).resolve() if reference_dir else None
        self.sections: list[str] = []
        self.toc: list[tuple[str, str]] = []
        self.tasks: set[str] = set()
        self.sizes: set[str] = set()
        self.epochs: set[int] = set()

    def _filter_attrs(self, task, backbone, epochs: str, filled: bool) -> str:
        size = backbone_size(backbone)
        if task:
            self.tasks.add(task)
        if size:
            self.sizes.add(size)
        self.epochs.update(int(e) for e in epochs.split())
        return (f' data-f="{1 if filled else 0}" data-task="{_esc(task or "")}" data-size="{_esc(size)}"'
                f' data-epochs="{_esc(epochs)}"')

    def _paper_link(self, cell: tables.Cell, text: str) -> str:
        if not cell.source or self.reference_dir is None:
            return _esc(text)
        csv_name = cell.source.rsplit(':', 1)[0]
        href = _href(str(self.reference_dir / csv_name), self.out_dir)
        return f'<a href="{href}">{_esc(text)}</a>'

    def _repro_links(self, cell: tables.Cell) -> str:
        links = [f'<a class="rec" href="{_href(p, self.out_dir)}" title="record {_esc(p)}">'
                 f'r{i + 1}</a>' for i, p in enumerate(cell.records)]
        links += [f'<a class="cfg" href="{_href(p, self.out_dir)}" title="config {_esc(p)}'
                  f'{" (" + _esc(", ".join(cell.recipes)) + ")" if cell.recipes else ""}">recipe</a>'
                  for p in cell.configs]
        if not cell.configs and cell.recipes:
            links.append(f'<span class="cfg">{_esc(", ".join(cell.recipes))}</span>')
        return f' <span class="links">{" ".join(links)}</span>' if links else ''

    def add_table(self, table: tables.BuiltTable) -> None:
        spec = table.spec
        anchor = f'{spec.paper}-table{spec.table}'
        title = f'{tables.PAPER_NAMES[spec.paper]} Table {spec.table}: {spec.title}'
        self.toc.append((anchor, title))
        metric_cols = {j for j, c in enumerate(table.columns) if c.is_metric}
        with_repro = any(isinstance(c, tables.Cell) and c.repro is not None
                         for line in table.cells for c in line)
        means = tables.mean_cells(table) if spec.mean_column else None
        columns = [(c.group + ' ' + c.header).strip() for c in table.columns]
        if means is not None:
            columns.append(spec.mean_column)
        # header: one leaf per body column; metric columns split into paper / mimbench / Δ with runs
        top, leaves, index = [], [], 1
        top.append(f'<th rowspan="{2 if with_repro else 1}" data-col="0" class="label">'
                   f'{_esc(tables.row_header(spec))}</th>')
        # cost columns (hours, speed-ups) have no mimbench side: records keep costs elsewhere
        split = [with_repro and (j in metric_cols and table.columns[j].metric not in COST_METRICS
                                 or means is not None and j == len(table.columns))
                 for j in range(len(columns))]
        for j, header in enumerate(columns):
            if split[j]:
                top.append(f'<th colspan="3" data-cols="{index} {index + 1} {index + 2}">{_esc(header)}</th>')
                for k, sub in enumerate(('paper', 'mimbench', 'Δ')):
                    leaves.append(f'<th data-col="{index + k}">{sub}</th>')
                index += 3
            else:
                top.append(f'<th rowspan="{2 if with_repro else 1}" data-col="{index}">{_esc(header)}</th>')
                index += 1
        head = '<tr>' + ''.join(top) + '</tr>' + (f'<tr>{"".join(leaves)}</tr>' if leaves else '')
        body = []
        for i, (label, line, is_extra) in enumerate(zip(table.labels, table.cells, table.extra)):
            tds = [f'<th scope="row" class="label" data-sort="{_esc(label)}">{_esc(label)}</th>']
            cells = list(line) + ([means[i]] if means is not None else [])
            for j, cell in enumerate(cells):
                if isinstance(cell, tables.Cell):
                    tds += self._metric_tds(cell, spec.best, split[j])
                else:
                    tds.append(f'<td class="attr" data-sort="{_esc(cell)}">{_esc(cell)}</td>')
            body.append(f'<tr{" class=extra" if is_extra else ""}>{"".join(tds)}</tr>')
        notes = tables.notes(table)
        notes_html = ('<details><summary>Notes from the transcription</summary><ul>'
                      + ''.join(f'<li>{_esc(n)}</li>' for n in notes) + '</ul></details>') if notes else ''
        self.sections.append(
            f'<section id="{_esc(anchor)}" class="lb-section"><h2>{_esc(title)}</h2>'
            f'<p class="source">Source: {_esc(spec.source)}.</p>'
            f'<div class="scroll"><table class="lb"><thead>{head}</thead><tbody>{"".join(body)}</tbody>'
            f'</table></div>{notes_html}</section>')

    def _metric_tds(self, cell: tables.Cell, best: str | None, with_repro: bool) -> list[str]:
        key = cell.key
        filled = cell.paper is not None or cell.paper_missing or cell.repro is not None
        attrs = self._filter_attrs(key.get('task'), key.get('backbone'),
                                   _epochs(cell.paper_epochs, cell.repro_epochs), filled)
        paper = self._paper_link(cell, tables.paper_text(cell))
        if cell.paper_best:
            paper = f'<strong>{paper}</strong>' if best == 'bold' else f'<u>{paper}</u>'
        unit = COST_METRICS.get(key.get('metric'), ('', '', False))[1]
        title = ' title="' + _esc(f'{cell.source}: {cell.note}' if cell.note else cell.source) + '"' \
            if cell.source else ''
        paper_td = (f'<td class="paper{" cost" if unit else ""}" data-sort="{_number(cell.paper)}"'
                    f'{title}{attrs}>{paper}</td>')
        if not with_repro:
            return [paper_td]
        repro = ''
        if cell.repro is not None:
            repro = _esc(tables.repro_text(cell))                  # with its 95% interval when known
            if cell.repro_top:
                repro = f'<strong>{repro}</strong>'
            if cell.scale != 'full':
                repro += ' <span class="smoke">(smoke)</span>'
            repro += f' <span class="n">n={cell.n}</span>' + self._repro_links(cell)
        delta = cell.delta
        delta_text = '' if delta is None else f'{delta:+.1f}' + {'within': ' ✓', 'outside': ' ✗'}.get(
            cell.verdict, '')                                       # the paper value within / outside it
        sign = '' if delta is None else ' pos' if delta > 0 else ' neg' if delta < 0 else ''
        return [paper_td,
                f'<td class="repro" data-sort="{_number(cell.repro)}"{attrs}>{repro}</td>',
                f'<td class="delta{sign}" data-sort="{_number(delta)}"{attrs}>{_esc(delta_text)}</td>']

    def add_combined(self, frame: pd.DataFrame) -> None:
        self.toc.insert(0, ('combined', 'Combined leaderboard: all methods × tasks'))
        heads = ('Method', 'Backbone', 'Task', 'Metric', 'Paper', 'Papers (value: paper:table)', 'mimbench',
                 'n', 'Δ', 'PT epochs')
        head = '<tr>' + ''.join(f'<th data-col="{j}">{_esc(h)}</th>' for j, h in enumerate(heads)) + '</tr>'
        body = []
        for r in frame.itertuples(index=False):
            filled = not (math.isnan(r.paper_min) and math.isnan(r.reproduced))
            epochs = _epochs(*[float(e) for e in str(r.paper_epochs).split('; ') if e], r.pretrain_epochs)
            attrs = self._filter_attrs(r.task, r.backbone, epochs, filled)
            paper = paper_text(r.paper_min, r.paper_max)
            repro = ''
            if not math.isnan(r.reproduced):
                if not math.isnan(r.ci_low) and not math.isnan(r.ci_high):
                    spread = f' [{r.ci_low:.1f}, {r.ci_high:.1f}]'
                else:
                    spread = f'±{r.reproduced_std:.1f}' if r.n_runs > 1 else ''
                repro = _esc(f'{r.reproduced:.1f}{spread}')
                if r.scale != 'full':
                    repro += ' <span class="smoke">(smoke)</span>'
                cell = tables.Cell(records=tuple(p for p in r.records.split('; ') if p),
                                   configs=tuple(p for p in r.configs.split('; ') if p))
                repro += self._repro_links(cell)
            delta = '' if math.isnan(r.delta) else f'{r.delta:+.1f}' + {'within': ' ✓', 'outside': ' ✗'}.get(
                r.verdict, '')
            sign = '' if not delta else ' pos' if r.delta > 0 else ' neg' if r.delta < 0 else ''
            tds = [f'<th scope="row" class="label" data-sort="{_esc(METHODS.get(r.method, r.method))}">'
                   f'{_esc(METHODS.get(r.method, r.method))}</th>',
                   f'<td data-sort="{_esc(r.backbone)}">{_esc(BACKBONES.get(r.backbone, r.backbone))}</td>',
                   f'<td data-sort="{_esc(r.task)}">{_esc(task_name(r.task))}</td>',
                   f'<td data-sort="{_esc(r.metric)}">{_esc(metric_name(r.metric))}'
                   f'{_esc(" (" + PROTOCOLS[r.protocol] + ")" if isinstance(r.protocol, str) else "")}</td>',
                   f'<td class="paper" data-sort="{_number(r.paper_min)}"{attrs}>{_esc(paper)}</td>',
                   f'<td class="sources">{_esc(r.paper_sources)}</td>',
                   f'<td class="repro" data-sort="{_number(r.reproduced)}">{repro}</td>',
                   f'<td data-sort="{r.n_runs}">{r.n_runs or ""}</td>',
                   f'<td class="delta{sign}" data-sort="{_number(r.delta)}">{_esc(delta)}</td>',
                   f'<td data-sort="{_number(r.pretrain_epochs)}">{_esc(_epochs(r.pretrain_epochs))}</td>']
            body.append('<tr>' + ''.join(tds) + '</tr>')
        self.sections.insert(0, (
            '<section id="combined" class="lb-section"><h2>Combined leaderboard: all methods × tasks</h2>'
            '<p class="source">Every value the four papers print for a method, backbone and evaluation in '
            'the default setting (a range where papers disagree), next to mimbench\'s runs.</p>'
            f'<div class="scroll"><table class="lb"><thead>{head}</thead><tbody>{"".join(body)}</tbody>'
            '</table></div></section>'))

    def add_plots(self, plots: dict[str, Path]) -> None:
        if not plots:
            return
        self.toc.append(('plots', 'Plots: FLOPs vs. metric'))
        figures = []
        for name, path in plots.items():
            data = base64.b64encode(Path(path).read_bytes()).decode('ascii')
            figures.append(f'<figure><img alt="{_esc(name)}" src="data:image/png;base64,{data}">'
                           f'<figcaption>{_esc(name)}</figcaption></figure>')
        self.sections.append('<section id="plots"><h2>Plots: FLOPs vs. metric (as mixmim.txt Fig. 2)</h2>'
                             f'<div class="plots">{"".join(figures)}</div></section>')

    def add_catalogue(self, lines: list[str]) -> None:
        if lines:
            self.toc.append(('catalogue', 'Every numbered table of the four papers'))
            items = ''.join(f'<li>{_esc(line)}</li>' for line in lines)
            self.sections.append('<section id="catalogue"><h2>Every numbered table of the four papers</h2>'
                                 f'<ul>{items}</ul></section>')

    def render(self, legend: str) -> str:
        def options(values, label):
            opts = ''.join(f'<option value="{_esc(v)}">{_esc(label(v))}</option>' for v in values)
            return f'<option value="">all</option>{opts}'
        filters = (f'<label>Task <select data-filter="task">{options(sorted(self.tasks), task_name)}'
                   f'</select></label> <label>Backbone size <select data-filter="size">'
                   f'{options(sorted(self.sizes, key=SIZE_ORDER.index), str)}</select></label> '
                   '<label>Pre-training epochs '
                   f'<select data-filter="epochs">{options(sorted(self.epochs), str)}</select>'
                   '</label> <output id="shown"></output>')
        toc = ''.join(f'<li><a href="#{_esc(a)}">{_esc(t)}</a></li>' for a, t in self.toc)
        digest = {name: base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
                  for name, text in (('style', STYLE), ('script', SCRIPT))}
        csp = (f"default-src 'none'; img-src data:; style-src 'sha256-{digest['style']}'; "
               f"script-src 'sha256-{digest['script']}'; base-uri 'none'; form-action 'none'")
        return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                f'<meta http-equiv="Content-Security-Policy" content="{_esc(csp)}">'
                '<meta name="viewport" content="width=device-width, initial-scale=1">'
                f'<title>mimbench leaderboards</title><style>{STYLE}</style></head><body>'
                f'<header><h1>mimbench leaderboards</h1><p class="legend">{_esc(legend)}</p>'
                f'<form id="filters" role="search">{filters}</form></header>'
                f'<nav><details><summary>Tables</summary><ul>{toc}</ul></details></nav>'
                f'<main>{"".join(self.sections)}</main><script>{SCRIPT}</script></body></html>\n')


def render_page(built: list[tables.BuiltTable], combined: pd.DataFrame, out_dir, reference_dir=None,
                plots: dict[str, Path] | None = None, catalogue: list[str] | None = None) -> str:
    """The whole page as text: combined leaderboard, every built paper table, plots, table catalogue."""
    page = Page(out_dir, reference_dir)
    for table in built:
        page.add_table(table)
    page.add_combined(combined)
    page.add_plots(plots or {})
    page.add_catalogue(catalogue or [])
    legend = ('Paper values are as printed (click one for its reference CSV; hover for the transcription '
              'note). mimbench values are the mean of the runs\' final evaluations with their 95% interval '
              '[a, b] where the runs kept per-sample outcomes, else ±std over runs (n = number of runs; r1, '
              'r2... link the record files, "recipe" the config); Δ = mimbench − paper, only for full-scale '
              'runs, ✓/✗ when the paper value lies within/outside the interval. ?: illegible in the paper '
              'text; ×: the paper\'s run diverged; N/A: printed N/A. Click a column header to sort; the '
              'filters apply to every table.')
    return page.render(legend)


STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1b1b1b}
header{position:sticky;top:0;background:#f7f7f7;border-bottom:1px solid #ccc;padding:.4em 1em;z-index:2}
h1{font-size:1.3em;margin:.2em 0}h2{font-size:1.1em;margin:1.2em 0 .3em}
.legend{margin:.2em 0;color:#444;font-size:.9em}nav,main{padding:0 1em}
.scroll{overflow-x:auto}table.lb{border-collapse:collapse;font-variant-numeric:tabular-nums}
.lb th,.lb td{border:1px solid #ddd;padding:.2em .5em;text-align:center;white-space:nowrap}
.lb thead th{background:#eef;cursor:pointer;user-select:none}
.lb thead th[aria-sort=ascending]::after{content:" \\25B2"}
.lb thead th[aria-sort=descending]::after{content:" \\25BC"}
.lb th.label{text-align:left;background:#fafafa}.lb tr.extra th.label{font-style:italic}
.lb td.paper a{color:inherit;text-decoration:none}.lb td.paper a:hover{text-decoration:underline}
.lb td.pos{color:#176317}.lb td.neg{color:#a11}.lb .links a,.lb .n{font-size:.8em;margin-left:.2em}
.lb .smoke,.lb .ci{color:#666;font-size:.85em}.lb td.sources{font-size:.85em;text-align:left}
.lb .miss{color:#bbb}.hide{display:none}.source{color:#555;font-size:.9em;margin:0}
section{scroll-margin-top:10em}.plots{display:flex;flex-wrap:wrap;gap:1em}
figure{margin:0}figure img{max-width:100%}
"""

SCRIPT = """
(function () {
  'use strict';
  var filters = Array.prototype.slice.call(document.querySelectorAll('select[data-filter]'));
  function wanted() {
    var out = {};
    filters.forEach(function (s) { if (s.value) { out[s.dataset.filter] = s.value; } });
    return out;
  }
  function hits(td, want) {
    return Object.keys(want).every(function (k) {
      return (td.dataset[k] || '').split(' ').indexOf(want[k]) >= 0;
    });
  }
  function apply() {
    var want = wanted(), shown = 0, total = 0;
    document.querySelectorAll('section.lb-section').forEach(function (section) {
      var table = section.querySelector('table.lb'), rows = table.tBodies[0].rows;
      var columnHit = {}, any = false;
      Array.prototype.forEach.call(rows, function (tr) {
        var rowHit = false;
        Array.prototype.forEach.call(tr.cells, function (td) {
          if (td.dataset.f === undefined) { return; }
          var hit = hits(td, want);
          td.classList.toggle('miss', !hit);
          if (hit && td.dataset.f === '1') { rowHit = true; }
        });
        tr.classList.toggle('hide', !rowHit);
        total += 1;
        if (rowHit) {
          any = true; shown += 1;
          Array.prototype.forEach.call(tr.cells, function (td, j) {
            if (td.dataset.f !== undefined && hits(td, want)) { columnHit[j] = true; }
          });
        }
      });
      var filtered = Object.keys(want).length > 0;
      Array.prototype.forEach.call(rows, function (tr) {
        Array.prototype.forEach.call(tr.cells, function (td, j) {
          td.classList.toggle('hide', filtered && td.dataset.f !== undefined && !columnHit[j]);
        });
      });
      table.querySelectorAll('thead th').forEach(function (th) {
        var cols = (th.dataset.cols || th.dataset.col || '').split(' ');
        var metric = cols.some(function (j) {
          return Array.prototype.some.call(rows, function (tr) {
            return tr.cells[j] && tr.cells[j].dataset.f !== undefined;
          });
        });
        th.classList.toggle('hide', filtered && metric && !cols.some(function (j) { return columnHit[j]; }));
      });
      section.classList.toggle('hide', !any);
    });
    document.getElementById('shown').textContent = shown + ' of ' + total + ' rows shown';
  }
  function sortBy(th) {
    var table = th.closest('table'), column = Number(th.dataset.col), body = table.tBodies[0];
    var ascending = th.getAttribute('aria-sort') !== 'ascending';
    table.querySelectorAll('thead th').forEach(function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    var rows = Array.prototype.slice.call(body.rows).map(function (tr, i) {
      var cell = tr.cells[column], key = cell ? (cell.dataset.sort || '') : '';
      var number = key === '' ? NaN : Number(key);
      return {tr: tr, i: i, key: key, number: number};
    });
    rows.sort(function (a, b) {
      var emptyA = a.key === '', emptyB = b.key === '';
      if (emptyA !== emptyB) { return emptyA ? 1 : -1; }          /* empty cells last either way */
      var order = 0;
      if (!isNaN(a.number) && !isNaN(b.number)) { order = a.number - b.number; }
      else { order = a.key.localeCompare(b.key); }
      if (!ascending) { order = -order; }
      return order || a.i - b.i;
    });
    rows.forEach(function (r) { body.appendChild(r.tr); });
  }
  document.querySelectorAll('table.lb thead th[data-col]').forEach(function (th) {
    th.addEventListener('click', function () { sortBy(th); });
  });
  filters.forEach(function (s) { s.addEventListener('change', apply); });
  apply();
}());
"""
