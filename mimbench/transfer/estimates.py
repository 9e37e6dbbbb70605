"""Memory and time of each full recipe before launch, from the committed measurements of
``benchmarks/transfer_step.py`` (``benchmarks/results/transfer_step_<device>.csv``).

``mimbench evaluate --dry-run`` prints these lines per task. A row holds one recipe on one kind of device
(``cpu``: this project's 2-core CI machine in fp32; ``cuda``: a GPU under the recipe's mixed precision), with
or without activation checkpointing: peak memory per device at the recipe's per-device batch, seconds per
iteration, and the device-hours of the whole schedule on the recipe's device count. Where that batch did not
fit the measuring machine the figures are extrapolated from the small batches measured and say so.
"""
from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parents[2] / 'benchmarks' / 'results'
DEVICES = ('cpu', 'cuda')
MEASURE = 'python benchmarks/transfer_step.py --configs CONFIG --device cuda'


def load(folder: str | Path | None = None):
    """Every sweep measurement under ``folder`` (default: the committed ``RESULTS``; the files
    ``transfer_step_<device>.csv``, not the extrapolation check's) as one DataFrame (empty when there is
    none)."""
    import pandas as pd
    paths = [Path(folder or RESULTS) / f'transfer_step_{device}.csv' for device in DEVICES]
    frames = [pd.read_csv(p) for p in paths if p.is_file()]
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _fmt_hours(hours: float) -> str:
    return f'{hours:,.0f}' if hours >= 10 else f'{hours:.2g}'


def _row_line(row, processes: int | None) -> str:
    """One measurement as a sentence: memory, time, device-hours (and wall-clock on ``processes``)."""
    small = ' and '.join(str(row.get('small_batches', '1 2')).split())
    how = (f'extrapolated from batch{"es" if " and " in small else ""} {small}' if row['estimate']
           else f"measured at batch {int(row['measured_batch'])}")
    where = f"{row['device']} ({row['device_name']}, {row['dtype']}"
    where += ', activation checkpointing)' if row['activation_checkpointing'] else ')'
    line = (f"{where}: peak memory {row['peak_mem_GiB']:.1f} GiB per device at batch "
            f"{int(row['batch_per_device'])} ({how}); {row['s_per_iter']:.3g} s/iteration, "
            f"{row['img_per_s']:.3g} img/s per device")
    if row.get('device_hours') == row.get('device_hours'):      # not NaN
        line += (f"; schedule ({int(row['schedule_iters']):,} iterations on {int(row['devices'])} devices): "
                 f"{_fmt_hours(row['device_hours'])} device-hours")
        if processes:
            line += f" (about {_fmt_hours(row['device_hours'] / processes)} h wall-clock on {processes})"
    return line


def describe(config: str | Path | None, checkpointing: bool = False, processes: int | None = None,
             table=None) -> list[str]:
    """Lines saying what ``config`` (a recipe path or stem) is expected to need per device, for each device
    kind; and which measurements do not exist (unknown config, a device kind not measured yet, checkpointing
    not measured). ``config=None`` is a config that no measurement can describe (e.g. a foreign backbone)."""
    if config is None:
        return ['no measurement: the derived model differs from every measured recipe (foreign backbone); '
                'measure it with python benchmarks/transfer_step.py --configs CONFIG']
    stem = Path(str(config)).stem
    table = load() if table is None else table
    rows = table[table['config'] == stem] if len(table) else table
    failed = rows[rows['error'].notna()] if len(rows) and 'error' in rows else rows.iloc[:0]
    rows = rows[rows['error'].isna()] if len(rows) and 'error' in rows else rows
    if not len(rows):
        why = '; '.join(f"{r['device']}: {r['error']}" for _, r in failed.iterrows())
        return [f'no measurement of {stem} in {RESULTS}' + (f' (tried and failed: {why})' if why else '')
                + '; measure it (a subprocess per batch, resumable): '
                f'python benchmarks/transfer_step.py --configs {config}']
    lines = []
    for device in DEVICES:
        here = rows[rows['device'] == device]
        if not len(here):
            lines.append(f'{device}: not measured yet ({MEASURE.replace("cuda", device)})')
            continue
        wanted = here[here['activation_checkpointing'].astype(bool) == checkpointing]
        if not len(wanted):
            state = 'with' if checkpointing else 'without'
            lines.append(f'{device}: not measured {state} activation checkpointing; the other setting:')
            wanted = here
        for _, row in wanted.iterrows():
            lines.append(_row_line(row, processes))
    if (rows['device'] == 'cpu').any():
        lines.append("cpu: fp32, time in CPU seconds of one core; on a GPU the weights, gradients and "
                     "optimizer state take the same memory, activations about half (the recipe's bf16/fp16 "
                     'autocast), plus ~1 GiB of CUDA context; figures extrapolated from batch 1 were within '
                     '+-13% in memory and over-predicted time (up to 2.7x for pre-training) where checked '
                     '(benchmarks/README.md)')
    return lines
