"""``configs/recipes.csv``: the papers' recipe values, one row per value, with where each comes from.

Columns::

    recipe,method,backbone,task,protocol,key,value,status,paper,where,note

- ``recipe``: the recipe's name, a citation (``mae.txt Table 9``, ``mae FINETUNE.md``); a row shared by
  several recipes lists them separated by ``|``. A config names its recipe in ``mimbench = dict(recipe=...)``.
- ``method``, ``backbone``, ``task``, ``protocol``: space-separated ids the row applies to (``pretrain`` is
  the task and protocol of pre-training recipes).
- ``key`` / ``value``: one recipe value, as the config must *effectively* train with it
  (:mod:`mimbench.recipes.effective` defines each key); lists are space-separated.
- ``status``: ``paper`` (printed in ``paper`` at ``where``), ``release`` (the official code, where it differs
  from the text or the text is silent and the release produced the published number), ``open`` (the paper
  leaves it open -- searched, "adjusted", not printed -- ``note`` says which value was chosen and why),
  ``derived`` (follows from printed values, e.g. iterations from epochs).
"""
from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import pandas as pd

RECIPES_CSV = Path(__file__).resolve().parents[2] / 'configs' / 'recipes.csv'
COLUMNS = ('recipe', 'method', 'backbone', 'task', 'protocol', 'key', 'value', 'status', 'paper', 'where',
           'note')
STATUSES = ('paper', 'release', 'open', 'derived')
LIST_COLUMNS = ('method', 'backbone', 'task', 'protocol')


def read_table(path: str | Path = RECIPES_CSV) -> pd.DataFrame:
    """The recipe table, validated; raises ValueError naming every bad line."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding='utf-8')
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f'{path}: missing column(s) {", ".join(missing)}; expected {",".join(COLUMNS)}')
    frame = frame[list(COLUMNS)].copy()
    frame['line'] = range(2, len(frame) + 2)
    problems = [f'{Path(path).name}:{r.line}: status {r.status!r} is not one of {", ".join(STATUSES)}'
                for r in frame.itertuples() if r.status not in STATUSES]
    problems += [f'{Path(path).name}:{r.line}: empty {c}' for r in frame.itertuples()
                 for c in ('recipe', 'method', 'backbone', 'task', 'protocol', 'key', 'value', 'paper')
                 if not getattr(r, c).strip()]
    # an open value names where the chosen value comes from: a source other than the paper, or a note
    problems += [f'{Path(path).name}:{r.line}: status open needs a note saying which value was chosen and why'
                 for r in frame.itertuples() if r.status == 'open' and not r.note.strip()
                 and r.paper.endswith('.txt')]
    if problems:
        raise ValueError('invalid recipe table:\n  ' + '\n  '.join(problems))
    return frame


@lru_cache(maxsize=1)
def load_table() -> pd.DataFrame:
    """The recipe table of this checkout (cached; read-only use)."""
    return read_table(RECIPES_CSV)


def rows_for(table: pd.DataFrame, recipe: str, task: str, backbone: str, method: str,
             protocol: str) -> pd.DataFrame:
    """Rows of ``recipe`` that apply to this (task, backbone, method, protocol)."""
    wanted = dict(task=task, backbone=backbone, method=method, protocol=protocol)

    def applies(row) -> bool:
        return recipe in row['recipe'].split('|') and all(
            wanted[c] in row[c].split() for c in LIST_COLUMNS)
    mask = table.apply(applies, axis=1) if len(table) else []
    return table[mask]


def recipe_names(table: pd.DataFrame | None = None) -> list[str]:
    """Every recipe name in the table, sorted."""
    table = load_table() if table is None else table
    return sorted({name for cell in table['recipe'] for name in cell.split('|')})


def parse(value: str):
    """A table value as Python: float, tuple of floats, or a lower-case string (``'none'``, ``'cosine'``)."""
    tokens = value.split()
    try:
        numbers = tuple(float(t) for t in tokens)
    except ValueError:
        return ' '.join(tokens).lower()
    return numbers[0] if len(numbers) == 1 else numbers


def same(expected, found) -> bool:
    """True when an effective value equals a table value (numbers to 1e-6 relative precision)."""
    if isinstance(expected, str) or isinstance(found, str):
        return str(expected).lower() == str(found).lower()
    a = expected if isinstance(expected, tuple) else (expected,)
    b = found if isinstance(found, tuple) else (found,)
    return len(a) == len(b) and all(math.isclose(x, y, rel_tol=1e-6, abs_tol=1e-12) for x, y in zip(a, b))


def fmt(value) -> str:
    """A value as the table writes it (``1e-06``, ``0.9 0.999``, ``none``)."""
    if isinstance(value, tuple):
        return ' '.join(fmt(v) for v in value)
    if isinstance(value, float):
        return f'{value:g}'
    return str(value)


# the paper each pre-training method's own recipes come from (recipe names start with it)
OWN_PAPER = {'mae': 'mae', 'simmim': 'simmim', 'cim-respix': 'cim', 'cim-revdet': 'cim', 'mixmim': 'mixmim'}


def borrowed_recipe(method: str | None, recipe: str | None) -> str | None:
    """``recipe`` when a paper's method was fine-tuned with another paper's recipe (e.g. MixMIM on ViT-B with
    ``mae FINETUNE.md``), else None; baselines (random, supervised, other methods) never borrow."""
    paper = OWN_PAPER.get(method or '')
    if paper and recipe and not recipe.startswith(paper):
        return recipe
    return None
