"""Pre-training step speed of every method at base size, as ratios measured in the same run.

For each pre-training config (default: every non-smoke config under configs/pretrain/ whose name contains
``base``, so CiM and MixMIM are included as their configs land) the script times full training steps
(forward, backward and the config's own optimizer step: AdamW with its parameter groups, clipping, fused) of:

- ``mimbench``: the algorithm as the config builds it;
- ``mmpretrain``: mmpretrain's implementation of the same method with the same sizes, where one exists
  (MAE, SimMIM-Swin, MixMIM); the target is ratio >= 1 (mimbench not slower);
- ``mask-token encoder`` (MAE only): the same ViT run with mask tokens inside the encoder, the baseline of
  mae.txt Table 2 (paper: 2.8x wall-clock for ViT-L with an 8-block decoder on TPUs).

Next to every measured speed ratio it prints the ratio implied by FLOPs (pre-training forward multiply-adds
counted by ``mimbench.models.complexity``; backward ~ 2x forward, so the step ratio equals the forward
ratio). For ViT-B with the 8x512 decoder MAE can be at most ~2.4x faster than the mask-token variant, for
ViT-L ~3.2x. Throughput is timed in interleaved rounds (A B C A B C ..., median round), so load from other
processes hits all variants alike. Peak memory is measured per variant in its own subprocess (skipped with
``--no-isolate``): CUDA's max allocated, or on CPU the growth of the process's max RSS. Attention is the
fused ``F.scaled_dot_product_attention`` mmpretrain selects (its flash kernel on CPUs too). Precision:
bf16 autocast on CUDA devices that support it, fp32 on CPUs unless ``--dtype bf16``; ``--dtype-variant``
times the config's model under the other precision as well. Every row reports achieved training FLOP/s
(2 x 3 x forward MACs x img/s) and, on GPUs, MFU = that / the device's dense bf16 peak.

    python benchmarks/pretrain_speed.py --device cuda --batch-size 64 --out work_dirs/speed
    OMP_NUM_THREADS=2 python benchmarks/pretrain_speed.py --batch-size 8 --rounds 3 --dtype-variant bf16
"""
from __future__ import annotations

import argparse
import copy
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Dense bf16 peak FLOP/s (2 ops per multiply-add) of common accelerators, from vendor data sheets.
PEAK_TFLOPS = {'H100 SXM': 989., 'H100 80GB HBM3': 989., 'H100 PCIe': 756., 'H100': 756., 'H200': 989.,
               'A100': 312., 'L40S': 362., 'A10': 125., 'V100': 125.}


# --- variants --------------------------------------------------------------------------------------------

def mmpretrain_mae(model: dict) -> dict:
    """mmpretrain's MAE with the same encoder/decoder sizes."""
    model = copy.deepcopy(model)
    model['type'] = 'mmpretrain.MAE'
    model['backbone']['type'] = 'mmpretrain.MAEViT'
    return model


def mask_token_mae(model: dict) -> dict:
    """The same MAE with mask tokens inside the encoder (mae.txt Table 1(b), Table 2)."""
    model = copy.deepcopy(model)
    model['backbone']['type'] = 'mimbench.MAEViTMaskTokenEncoder'
    return model


def mmpretrain_simmim(model: dict) -> dict | None:
    """mmpretrain's SimMIM; it has a Swin encoder only."""
    if model['backbone']['type'] != 'mmpretrain.SimMIMSwinTransformer':
        return None
    model = copy.deepcopy(model)
    model['type'] = 'mmpretrain.SimMIM'
    model.pop('mask_ratio', None)
    model.pop('mask_patch_size', None)
    return model


def mmpretrain_mixmim(model: dict) -> dict:
    """mmpretrain's MixMIM at the same size (shared mask, loss over all tokens: the official code's)."""
    backbone = model['backbone']
    keep = ('arch', 'img_size', 'patch_size', 'window_size', 'drop_path_rate', 'mask_ratio')
    return dict(
        type='mmpretrain.MixMIM',
        data_preprocessor=copy.deepcopy(model.get('data_preprocessor')),
        backbone=dict(type='mmpretrain.MixMIMPretrainTransformer',
                      **{k: backbone[k] for k in keep if k in backbone}),
        neck=dict(copy.deepcopy(model['neck']), type='mmpretrain.MixMIMPretrainDecoder'),
        head=dict(type='mmpretrain.MixMIMPretrainHead', norm_pix=True,
                  loss=dict(type='mmpretrain.PixelReconstructionLoss', criterion='L2')))


# algorithm type -> [(variant name, builder)]; the first variant is always the config's own model.
COMPARISONS = {
    'mimbench.MAE': [('mmpretrain', mmpretrain_mae), ('mask-token encoder', mask_token_mae)],
    'mimbench.SimMIM': [('mmpretrain', mmpretrain_simmim)],
    'mimbench.MixMIM': [('mmpretrain', mmpretrain_mixmim)],
}


WEIGHT_FILES = ('encoder_path', 'decoder_path', 'checkpoint')


def without_tokenizer_weights(model: dict) -> tuple[dict, bool]:
    """CiM's frozen tokenizer with random weights (same architecture, same FLOPs, so the same speed): the
    DALL-E files / a trained VQ checkpoint are not needed to time a step. Returns (model, changed)."""
    tokenizer = model.get('tokenizer')
    if not isinstance(tokenizer, dict) or not any(tokenizer.get(k) for k in WEIGHT_FILES):
        return model, False
    model = copy.deepcopy(model)
    for key in WEIGHT_FILES:
        if key in model['tokenizer']:
            model['tokenizer'][key] = None
    return model, True


def variants_of(model: dict) -> list[tuple[str, dict]]:
    """The config's model and its comparison baselines (those that exist for it)."""
    out = [('mimbench', model)]
    for name, build in COMPARISONS.get(model['type'], []):
        other = build(model)
        if other is not None:
            out.append((name, other))
    return out


def resize_model(cfg, scale: float) -> None:
    """Rescale every ``img_size`` (and the token counts that follow from it) in a model config, in place,
    so ``--size`` changes the input resolution of backbone, neck and generator alike."""
    if isinstance(cfg, dict):
        for key, value in cfg.items():
            if key == 'img_size' and isinstance(value, int):
                cfg[key] = round(value * scale)
            elif key == 'num_patches' and isinstance(value, int):
                cfg[key] = round(value * scale ** 2)
            elif key == 'num_masked' and isinstance(value, (list, tuple)):   # CiM's masked-count range
                cfg[key] = type(value)(max(1, round(v * scale ** 2)) for v in value)
            else:
                resize_model(value, scale)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            resize_model(value, scale)


def discover(pattern: str) -> list[Path]:
    """Non-smoke pre-training configs whose file name contains ``pattern``."""
    return [p for p in sorted((ROOT / 'configs' / 'pretrain').rglob('*.py'))
            if not p.stem.endswith('_smoke') and pattern in p.stem]


# --- one measurement ---------------------------------------------------------------------------------------

def fake_batch(model, batch_size: int, size: int, device):
    """Random normalised images and data samples; SimMIM-style models get per-sample cell masks."""
    import torch
    from mmpretrain.structures import DataSample

    from mimbench.models.masking import random_cell_mask
    images = torch.randn(batch_size, 3, size, size, device=device)
    samples = [DataSample() for _ in range(batch_size)]
    if 'SimMIM' in type(model).__name__:
        masks = random_cell_mask(batch_size, size, 32, model.head.patch_size, 0.6).to(device)
        samples = [s.set_mask(m) for s, m in zip(samples, masks)]
    return images, samples


def optimizer_of(cfg) -> dict:
    """The config's ``optim_wrapper`` as a plain ``OptimWrapper``: same optimizer, parameter groups (decay
    rules), gradient clipping and ``fused`` setting as training; mixed precision is the benchmark's own
    ``--dtype`` (mmengine's AmpOptimWrapper refuses CPUs)."""
    optim = copy.deepcopy(cfg.optim_wrapper.to_dict())
    for key in ('dtype', 'loss_scale'):
        optim.pop(key, None)
    optim['type'] = 'OptimWrapper'
    return optim


def prepare(model_cfg: dict, optim_cfg: dict, size: int, batch_size: int, device: str, dtype: str,
            count: bool = True) -> dict:
    """Build one variant with the config's optimizer and a fixed batch; return its ``step`` and (if
    ``count``) its forward FLOPs per image."""
    import torch
    from mmengine.optim import build_optim_wrapper

    import mimbench  # noqa: F401
    from mimbench.models.complexity import _LossForward, count_flops
    from mimbench.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.init_weights()
    flops = float('nan')
    if count:
        one_image, one_sample = fake_batch(model, 1, size, 'cpu')
        with torch.no_grad():
            flops = count_flops(_LossForward(model.eval(), one_sample), one_image)  # multiply-adds per image
    model.train().to(device)
    optim_wrapper = build_optim_wrapper(model, copy.deepcopy(optim_cfg))
    use_bf16 = dtype == 'bf16' or (dtype == 'auto' and device == 'cuda' and torch.cuda.is_bf16_supported())
    images, samples = fake_batch(model, batch_size, size, device)

    def step():
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=use_bf16):
            losses = model.loss(images, samples)
        optim_wrapper.update_params(sum(v for k, v in losses.items() if 'loss' in k))  # backward, clip, step

    return {'step': step, 'fwd_GMACs_per_img': flops / 1e9, 'bf16': use_bf16}


def sync(device: str) -> None:
    if device == 'cuda':
        import torch
        torch.cuda.synchronize()


def time_steps(variant: dict, steps: int, device: str) -> float:
    """Seconds for ``steps`` training steps of a prepared variant."""
    sync(device)
    start = time.perf_counter()
    for _ in range(steps):
        variant['step']()
    sync(device)
    return time.perf_counter() - start


def current_rss_gib() -> float:
    """Resident memory of this process now (Linux /proc), GiB."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2 ** 30


def peak_rss_gib() -> float:
    """High-water resident memory of this process image (``VmHWM``), GiB. Unlike ``getrusage``'s
    ``ru_maxrss``, it does not carry over the parent's size from fork/exec."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 2 ** 20                                  # kB -> GiB
    raise RuntimeError('no VmHWM in /proc/self/status: CPU peak memory needs Linux')


def peak_memory(model_cfg: dict, optim_cfg: dict, size: int, batch_size: int, device: str,
                dtype: str) -> float:
    """Peak memory (GiB) of two training steps of one variant: CUDA max allocated, or on CPU the growth of
    this process's peak RSS over what it held before building the model. Run it in a fresh process."""
    import torch

    import mimbench  # noqa: F401  (imported before the baseline so it is not counted)
    base = current_rss_gib()
    variant = prepare(model_cfg, optim_cfg, size, batch_size, device, dtype, count=False)
    if device == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    time_steps(variant, 2, device)
    if device == 'cuda':
        return torch.cuda.max_memory_allocated() / 2 ** 30
    return peak_rss_gib() - base


def peak_memory_isolated(model_cfg: dict, optim_cfg: dict, dtype: str, args) -> float | str:
    """``peak_memory`` in a fresh Python process (clean peak; a crash cannot stop the sweep)."""
    job = dict(model_cfg=model_cfg, optim_cfg=optim_cfg, size=args.size_of, batch_size=args.batch_size,
               device=args.device, dtype=dtype)
    result = subprocess.run([sys.executable, __file__, '--worker', json.dumps(job)], capture_output=True,
                            text=True)
    lines = [ln for ln in result.stdout.splitlines() if ln.startswith('{')]
    if result.returncode or not lines:
        return 'error: ' + (result.stderr.strip().splitlines() or ['no output'])[-1]
    return json.loads(lines[-1])['peak_mem_GiB']


def measure_config(model: dict, optim: dict, args) -> dict[str, dict]:
    """All variants of one config: memory (isolated) and throughput timed in interleaved rounds.

    Rounds alternate between the variants (A B C A B C ...) and the median round counts, so load from other
    processes on a shared machine hits every variant alike and the ratios stay meaningful.
    """
    import statistics
    results, prepared = {}, {}
    variants = [(name, cfg, args.dtype) for name, cfg in variants_of(model)]
    if args.dtype_variant:   # the same model under the other precision, e.g. bf16 autocast on a CPU
        variants.insert(1, (f'mimbench {args.dtype_variant}', model, args.dtype_variant))
    for name, cfg, dtype in variants:
        if args.variants and dtype == args.dtype and name != 'mimbench' and name not in args.variants:
            continue
        try:
            prepared[name] = prepare(cfg, optim, args.size_of, args.batch_size, args.device, dtype)
            for _ in range(args.warmup):
                prepared[name]['step']()
            results[name] = {'fwd_GMACs_per_img': prepared[name]['fwd_GMACs_per_img'],
                             'bf16': prepared[name]['bf16']}
            if args.isolate:
                results[name]['peak_mem_GiB'] = peak_memory_isolated(cfg, optim, dtype, args)
        except Exception as error:  # noqa: BLE001  (report it and go on with the other variants)
            prepared.pop(name, None)
            results[name] = {'error': f'{type(error).__name__}: {error}'.splitlines()[0]}
    seconds = {name: [] for name in prepared}
    names = list(prepared)
    for r in range(args.rounds if names else 0):
        for name in names[r % len(names):] + names[:r % len(names)]:   # rotate who goes first
            seconds[name].append(time_steps(prepared[name], args.steps, args.device))
    for name in prepared:
        results[name]['img_per_s'] = args.steps * args.batch_size / statistics.median(seconds[name])
        results[name]['round_spread'] = max(seconds[name]) / min(seconds[name])   # 1.0: no timing noise
    return results


def peak_tflops(args) -> float | None:
    if args.peak_tflops:
        return args.peak_tflops
    import torch
    if args.device != 'cuda':
        return None
    name = torch.cuda.get_device_name()
    for key, value in PEAK_TFLOPS.items():
        if key in name:
            return value
    return None


# --- driver ------------------------------------------------------------------------------------------

def run(args) -> list[dict]:
    from mmengine.config import Config

    from mimbench.models.complexity import image_size_of
    configs = [Path(c) for c in args.configs] if args.configs else discover(args.pattern)
    if not configs:
        raise SystemExit(f'no pre-training config name contains {args.pattern!r} under '
                         f'{ROOT / "configs/pretrain"}; pass --configs or another --pattern')
    peak = peak_tflops(args)
    rows = []
    for config in configs:
        cfg = Config.fromfile(str(config))
        args.size_of = args.size or image_size_of(cfg)
        model = cfg.model.to_dict()
        if args.size:
            resize_model(model, args.size_of / image_size_of(cfg))
        model, random_tokenizer = without_tokenizer_weights(model)
        optim = optimizer_of(cfg)
        if args.unfused:
            optim['optimizer']['fused'] = False
        results = measure_config(model, optim, args)
        ours = results['mimbench']
        for name, this in results.items():
            row = {'config': config.stem, 'variant': name, **this}
            if random_tokenizer:
                row['note'] = 'tokenizer with random weights (same architecture and speed)'
            valid = 'img_per_s' in ours and 'img_per_s' in this
            if name != 'mimbench' and valid:
                row['speed_ratio'] = ours['img_per_s'] / this['img_per_s']            # >1: mimbench faster
                row['flop_ratio'] = this['fwd_GMACs_per_img'] / ours['fwd_GMACs_per_img']
                mems = (this.get('peak_mem_GiB'), ours.get('peak_mem_GiB'))
                if all(isinstance(m, float) for m in mems):
                    row['mem_ratio'] = mems[0] / mems[1]
            if 'img_per_s' in this:   # training FLOP/s: 2 FLOPs per MAC, backward ~ 2x forward
                row['train_TFLOP_per_s'] = 6 * this['fwd_GMACs_per_img'] * this['img_per_s'] / 1e3
                if peak:
                    row['MFU'] = row['train_TFLOP_per_s'] / peak
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--configs', nargs='*', help='configs to run (default: discovered, see --pattern)')
    parser.add_argument('--pattern', default='base',
                        help='discover non-smoke configs whose name contains this')
    parser.add_argument('--variants', nargs='*',
                        help="baselines besides 'mimbench' (default: all): mmpretrain, 'mask-token encoder'")
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--dtype', default='auto', choices=['auto', 'fp32', 'bf16'],
                        help='auto: bf16 autocast on CUDA devices that support it, fp32 otherwise')
    parser.add_argument('--dtype-variant', choices=['fp32', 'bf16'],
                        help="also time the config's model under this precision (e.g. bf16 autocast on a CPU "
                             "with AVX512-BF16/AMX); its speed_ratio is mimbench's img/s over this variant's")
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--size', type=int,
                        help="override the configs' input size (e.g. 112 for quick CPU runs)")
    parser.add_argument('--steps', type=int, default=2, help='timed training steps per variant and round')
    parser.add_argument('--rounds', type=int, default=3, help='interleaved timing rounds (median counts)')
    parser.add_argument('--warmup', type=int, default=1, help='untimed steps per variant first')
    parser.add_argument('--peak-tflops', type=float, help='device peak (dense bf16 TFLOP/s) for MFU')
    parser.add_argument('--unfused', action='store_true',
                        help="run the configs' optimizer with fused=False (torch's per-op loop on CPU)")
    parser.add_argument('--no-isolate', dest='isolate', action='store_false',
                        help='skip the per-variant subprocesses that measure peak memory')
    parser.add_argument('--out', help='folder for speed.jsonl, speed.csv and speed.md')
    parser.add_argument('--worker', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps({'peak_mem_GiB': peak_memory(**json.loads(args.worker))}))
        return 0
    rows = run(args)
    import pandas as pd

    from mimbench.models.complexity import to_markdown
    table = pd.DataFrame(rows).round(3)
    print(to_markdown(table))
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / 'speed.jsonl').write_text(''.join(json.dumps(r) + '\n' for r in rows))
        table.to_csv(out / 'speed.csv', index=False)
        (out / 'speed.md').write_text(to_markdown(table))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
