"""Seconds per AdamW step of a pre-training config's optimizer: torch's fused kernel vs its per-op loop.

The pre-training configs set ``fused=True`` (configs/_base_/pretrain/adamw_coslr.py): the same AdamW update
computed in one pass over each tensor instead of one pass per elementwise op. This script builds the
config's model and ``optim_wrapper`` (same parameter groups and decay rules as training), fills every
gradient with noise, and times ``step()`` for each implementation in interleaved rounds (median counts).

    OMP_NUM_THREADS=2 python benchmarks/optimizer_speed.py \
        --configs configs/pretrain/mae/mae_vit-large-p16_8xb512-coslr-1600e_in1k.py
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / 'benchmarks'):      # mimbench, and pretrain_speed next to this file
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

# name -> AdamW keyword arguments; foreach=False is what torch picks on CPU when nothing is set
IMPLEMENTATIONS = {'fused': dict(fused=True), 'foreach': dict(fused=False, foreach=True),
                   'per-op loop': dict(fused=False, foreach=False)}


def time_optimizers(config: str, rounds: int, steps: int) -> list[dict]:
    import torch
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper

    import mimbench  # noqa: F401
    from mimbench.registry import MODELS
    from pretrain_speed import optimizer_of
    cfg = Config.fromfile(config)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    for p in model.parameters():
        p.grad = torch.randn_like(p) * 1e-3
    wrappers = {}
    for name, kwargs in IMPLEMENTATIONS.items():
        optim = optimizer_of(cfg)                                      # as pretrain_speed times it
        optim.pop('clip_grad', None)                                   # the optimizer step alone
        optim['optimizer'].update(kwargs)
        wrappers[name] = build_optim_wrapper(model, optim)
        wrappers[name].step()                                          # state allocated before timing
    seconds = {name: [] for name in wrappers}
    for _ in range(rounds):
        for name, wrapper in wrappers.items():
            start = time.perf_counter()
            for _ in range(steps):
                wrapper.step()
            seconds[name].append((time.perf_counter() - start) / steps)
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    fused = statistics.median(seconds['fused'])
    return [{'config': Path(config).stem, 'optimizer': name, 'params_M': params / 1e6,
             's_per_step': statistics.median(s), 'vs_fused': statistics.median(s) / fused}
            for name, s in seconds.items()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--configs', nargs='+', required=True)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--steps', type=int, default=2)
    args = parser.parse_args(argv)
    import pandas as pd

    from mimbench.models.complexity import to_markdown
    rows = [row for config in args.configs for row in time_optimizers(config, args.rounds, args.steps)]
    print(to_markdown(pd.DataFrame(rows).round(3)))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
