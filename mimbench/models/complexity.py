"""Parameter and FLOP counts of pre-training configs, from mmengine's complexity analysis, as CSV/Markdown.

The papers state encoder sizes (ViT-B 86M, ViT-L 304M, ViT-H 632M: mae.txt Table 3 / ViT [5]; Swin-B 88M:
simmim.txt Table 7; MixMIM-B 88M: mixmim.txt Table 2) and compare methods by FLOPs (mae.txt Table 1(c)
"3.3x FLOPs"; mixmim.txt Table 2). This module measures both for any config:

- parameters of the encoder (``model.backbone``) and of the whole algorithm (decoder/head/generator too);
- forward FLOPs of the encoder on one unmasked image (what fine-tuning pays) and of one pre-training loss
  evaluation on one image (masking included: MAE's encoder sees 25% of the tokens).

FLOPs follow mmengine/fvcore's convention: one fused multiply-add counts as one FLOP (so they are
multiply-accumulates; multiply by 2 for "FLOPs" in the 2-ops sense, as MFU computations do).
Large models are built without running weight initialisers (``build_without_init``) so counting a ViT-H
costs memory only.

Command line:
    python -m mimbench.models.complexity configs/pretrain/mae/*.py --out work_dirs/complexity
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import math
from pathlib import Path
from unittest import mock

import pandas as pd
import torch
from mmengine.analysis import FlopAnalyzer, parameter_count
from mmengine.analysis.jit_handles import get_shape
from mmengine.config import Config
from torch import nn

from mimbench.registry import MODELS

_INIT_FUNCTIONS = ('uniform_', 'normal_', 'trunc_normal_', 'kaiming_uniform_', 'kaiming_normal_',
                   'xavier_uniform_', 'xavier_normal_', 'constant_', 'zeros_', 'ones_', 'orthogonal_')


@contextlib.contextmanager
def skip_weight_init():
    """Make ``torch.nn.init`` initialisers no-ops (tensors keep their allocated, uninitialised values)."""
    with contextlib.ExitStack() as stack:
        for name in _INIT_FUNCTIONS:
            stack.enter_context(mock.patch.object(torch.nn.init, name, lambda tensor, *a, **k: tensor))
        yield


def build_without_init(model_cfg: dict) -> nn.Module:
    """Build a model from its config with every weight initialiser skipped: for counting, not training."""
    import mimbench  # noqa: F401  (registrations)
    with skip_weight_init(), torch.no_grad():
        return MODELS.build(model_cfg)


def count_params(module: nn.Module) -> int:
    """Number of parameters of ``module`` (trainable or not, as the papers count them)."""
    return parameter_count(module)['']


class _LossForward(nn.Module):
    """Wraps a self-supervised algorithm so ``forward(inputs)`` returns its summed pre-training loss."""

    def __init__(self, algorithm: nn.Module, data_samples: list | None = None) -> None:
        super().__init__()
        self.algorithm = algorithm
        self.data_samples = data_samples

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        from mmpretrain.structures import DataSample
        samples = self.data_samples or [DataSample() for _ in range(inputs.shape[0])]
        losses = self.algorithm.loss(inputs, samples)
        return sum(v for k, v in losses.items() if 'loss' in k)


class _EncoderForward(nn.Module):
    """Unmasked encoder forward (feature extraction), whatever the backbone's masking arguments."""

    def __init__(self, algorithm: nn.Module) -> None:
        super().__init__()
        self.algorithm = algorithm

    def forward(self, inputs: torch.Tensor):
        return self.algorithm.extract_feat(inputs)


def sdpa_flop_jit(inputs: list, outputs: list) -> int:
    """Multiply-adds of ``aten::scaled_dot_product_attention`` (q [.., L, d], k [.., S, d], v [.., S, dv]):
    ``q @ k^T`` plus ``attn @ v``. mmengine has no handle for the fused op, which mmpretrain's attention
    uses on torch >= 2, so without this the attention matrix products would go uncounted."""
    q, k, v = (get_shape(x) for x in inputs[:3])
    batch = math.prod(q[:-2])
    return batch * q[-2] * k[-2] * (q[-1] + v[-1])


def count_flops(module: nn.Module, inputs: torch.Tensor) -> int:
    """Forward FLOPs (multiply-adds) of ``module(inputs)`` by mmengine's jit-trace analysis.

    Code that cannot be jit-traced (Python arithmetic on tensor shapes, e.g. ``round(H * ratio)``) is counted
    by torch's dispatch-level ``FlopCounterMode`` instead (matmul/conv/attention; halved to multiply-adds).
    """
    analyzer = FlopAnalyzer(module, (inputs,))
    analyzer.set_op_handle('aten::scaled_dot_product_attention', sdpa_flop_jit)
    analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False).tracer_warnings('none')
    logging.getLogger('mmengine').setLevel(logging.ERROR)
    try:
        return int(analyzer.total())
    except Exception:  # noqa: BLE001  (any tracing failure: fall back to the dispatch counter)
        from torch.utils.flop_counter import FlopCounterMode
        counter = FlopCounterMode(display=False)
        with counter:
            module(inputs)
        return int(counter.get_total_flops() // 2)


def image_size_of(cfg: Config) -> int:
    """The pre-training input size of a config: its backbone's ``img_size``, else the crop size of its
    training pipeline (models without a ``backbone``, e.g. tokenizers), else 224."""
    size = cfg.model.get('backbone', {}).get('img_size')
    if size is None:
        crops = [t.get('scale', t.get('crop_size')) for t in cfg.get('train_dataloader', {}).get('dataset', {})
                 .get('pipeline', []) if 'Crop' in t.get('type', '')]
        size = next((c for c in crops if c is not None), 224)
    return size if isinstance(size, int) else size[0]


def config_complexity(config: str | Path | Config, with_flops: bool = True) -> dict:
    """One table row: parameters (M) and forward GFLOPs of the encoder and of one pre-training step (of a
    config file, or a loaded config such as a smoke twin, ``mimbench.smoke.load_smoke``)."""
    cfg = config if isinstance(config, Config) else Config.fromfile(str(config))
    model = build_without_init(cfg.model)
    model.eval()
    size = image_size_of(cfg)
    row = {
        'config': Path(cfg.filename or 'config').stem,
        'algorithm': cfg.model.type,
        'backbone': cfg.model.get('backbone', {}).get('type', '-'),
        'image_size': size,
        'encoder_params_M': count_params(getattr(model, 'backbone', model)) / 1e6,
        'total_params_M': count_params(model) / 1e6,
    }
    if with_flops:
        image = torch.randn(1, 3, size, size)
        with torch.no_grad():
            row['encoder_GFLOPs'] = count_flops(_EncoderForward(model), image) / 1e9
            row['pretrain_forward_GFLOPs'] = count_flops(_LossForward(model), image) / 1e9
    return row


def complexity_table(configs, with_flops: bool = True) -> pd.DataFrame:
    """A DataFrame with one ``config_complexity`` row per config, rounded for reading."""
    return pd.DataFrame([config_complexity(c, with_flops) for c in configs]).round(2)


def to_markdown(table: pd.DataFrame) -> str:
    """GitHub Markdown table (written here, so no optional ``tabulate`` dependency is needed)."""
    header = '| ' + ' | '.join(map(str, table.columns)) + ' |'
    rule = '|' + '|'.join('---' for _ in table.columns) + '|'
    rows = ['| ' + ' | '.join(str(v) for v in row) + ' |' for row in table.itertuples(index=False)]
    return '\n'.join([header, rule, *rows]) + '\n'


def write_table(table: pd.DataFrame, out_dir: str | Path, name: str = 'complexity') -> tuple[Path, Path]:
    """Write ``table`` as ``<out_dir>/<name>.csv`` and ``.md``; return both paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, md_path = out_dir / f'{name}.csv', out_dir / f'{name}.md'
    table.to_csv(csv_path, index=False)
    md_path.write_text(to_markdown(table))
    return csv_path, md_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='+', help='pre-training configs')
    parser.add_argument('--out', default='work_dirs/complexity', help='folder for complexity.csv/.md')
    parser.add_argument('--params-only', action='store_true', help='skip the (slower) FLOP analysis')
    args = parser.parse_args(argv)
    table = complexity_table(args.configs, with_flops=not args.params_only)
    print(to_markdown(table))
    for path in write_table(table, args.out):
        print(f'wrote {path}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
