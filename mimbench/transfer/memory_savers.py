"""Memory savers a user switches on without editing a recipe: activation checkpointing, gradient accumulation.

Both are given as dotted config overrides (``{key: value}``), the form of ``--cfg-options`` and of the
configs ``mimbench evaluate`` derives, so the recipe file stays the paper's.

- **Activation checkpointing** keeps only each block's input during the forward pass and recomputes the block
  in the backward pass: activation memory drops to about one block's worth plus the block inputs, for about a
  third more compute, with the same gradients. Each backbone family has its own switch
  (:func:`checkpointing_options`): a ``with_cp`` argument (mimbench's ``ViTMultiScale`` and
  ``MixMIMMultiScale``; mmpretrain's Swin, ResNet, ConvNeXt...), ``use_checkpoint`` (mmpretrain's MixMIM
  classification encoder), and mmengine's ``activation_checkpointing`` list of modules for mmpretrain's
  plain ``VisionTransformer`` and ``BEiTViT``, which have no switch of their own (the Runner wraps each
  listed block).
- **Gradient accumulation** keeps a recipe's total batch on fewer devices: with ``k`` micro-batches per
  optimizer step, ``P`` processes of the recipe's per-device batch ``B`` make the same update as the recipe's
  ``D = P x k`` devices (mmengine ``optim_wrapper.accumulative_counts``; it divides each micro-batch loss by
  ``k``, and DDP averages per-device means the same way). What is not the same: BatchNorm statistics (SyncBN
  in the UperNet/FCN heads and ViT adapter normalises over all ``D x B`` images of a step; one process sees
  ``B`` at a time), and per-batch random choices (Mixup/CutMix's lambda) are drawn per micro-batch as they are
  per device. :func:`accumulation_options` also stretches everything counted in iterations (iteration-based
  loops, ``by_epoch=False`` schedulers, iteration checkpoints), because each runner iteration is then one
  micro-batch. mmengine's ``auto_scale_lr`` must stay off with accumulation: it rescales the lr by
  processes x per-device batch and ignores ``accumulative_counts``.
- The alternative that changes the recipe: ``auto_scale_lr.enable=True`` trains at the launched total batch
  with the lr scaled linearly (the papers' own rule, e.g. mae.txt A.1 "lr = base_lr x batchsize / 256"), no
  accumulation.
"""
from __future__ import annotations

import copy
import re
from pathlib import Path

# "<gpus>xb<batch>" in a config name (OpenMMLab's naming contract, e.g. ..._8xb128-100e_in1k.py)
RECIPE_NAME = re.compile(r'_(\d+)xb(\d+)[-_]')


def recipe_devices(cfg, path: str | Path | None = None) -> int | None:
    """Devices the recipe was written for: ``N`` of ``NxbM`` in the config's file name (the per-device batch
    is ``train_dataloader.batch_size``, the total ``N x`` that); else ``auto_scale_lr.base_batch_size`` /
    per-device batch when that divides; else None."""
    name = Path(str(path or cfg.filename or '')).name
    match = RECIPE_NAME.search(name)
    if match:
        return int(match.group(1))
    batch = cfg.get('train_dataloader', {}).get('batch_size')
    base = cfg.get('auto_scale_lr', {}).get('base_batch_size')
    if batch and base and base % batch == 0:
        return base // batch
    return None


# --- activation checkpointing -------------------------------------------------------------------------------

def _backbone_class(cfg):
    """The class a config's ``model.backbone.type`` names (scoped, or in the config's default scope)."""
    import mimbench  # noqa: F401  (registrations)
    from mimbench.registry import MODELS
    backbone = cfg.model.get('backbone')
    if not backbone:
        raise ValueError(f'model {cfg.model.get("type")!r} has no backbone; activation checkpointing is '
                         'switched on per backbone')
    kind = backbone['type']
    if not isinstance(kind, str):
        return kind
    if '.' not in kind:
        kind = f"{cfg.get('default_scope', 'mmengine')}.{kind}"
    found = MODELS.get(kind)
    if found is None:
        raise ValueError(f'backbone type {kind!r} is not registered; import its package first')
    return found


def _vit_num_layers(cls, backbone: dict) -> int:
    arch = backbone.get('arch', 'base')
    if isinstance(arch, dict):
        return int(arch['num_layers'])
    return int(cls.arch_zoo[arch.lower()]['num_layers'])


def checkpointing_options(cfg) -> dict:
    """Overrides that switch activation checkpointing on for ``cfg``'s backbone (see the module docstring).

    Raises:
        ValueError: the backbone family has no known switch (the message lists the families that have one
            and mmengine's generic key).
    """
    import inspect

    from mmpretrain.models import BEiTViT, VisionTransformer
    cls = _backbone_class(cfg)
    switches = inspect.signature(cls).parameters
    if 'with_cp' in switches:              # mimbench's adapters, mmpretrain's Swin, ResNet, ConvNeXt, ...
        return {'model.backbone.with_cp': True}
    if 'use_checkpoint' in switches:       # mmpretrain's MixMIM classification encoder
        return {'model.backbone.use_checkpoint': True}
    if issubclass(cls, (VisionTransformer, BEiTViT)):
        layers = _vit_num_layers(cls, cfg.model.backbone)
        return {'activation_checkpointing': [f'backbone.layers.{i}' for i in range(layers)]}
    raise ValueError(
        f'no activation checkpointing switch is known for backbone {cls.__module__}.{cls.__name__} (no '
        'with_cp or use_checkpoint argument, not a ViT). List its blocks: --cfg-options '
        "\"activation_checkpointing=['backbone.layers.0','backbone.layers.1']\" (mmengine wraps each listed "
        'module)')


# --- gradient accumulation ----------------------------------------------------------------------------------

def _scaled_scheduler(scheduler: dict, factor: int) -> dict:
    """One param_scheduler entry with its iteration counts multiplied (epoch-based entries unchanged)."""
    scheduler = copy.deepcopy(dict(scheduler))
    if scheduler.get('by_epoch', True):
        return scheduler
    for key in ('begin', 'end', 'T_max', 'step_size', 'total_iters'):
        if isinstance(scheduler.get(key), int):
            scheduler[key] *= factor
    if 'milestones' in scheduler:
        scheduler['milestones'] = [m * factor for m in scheduler['milestones']]
    return scheduler


def accumulation_options(cfg, counts: int) -> dict:
    """Overrides that make ``counts`` runner iterations (micro-batches of the per-device batch) one optimizer
    step, keeping the schedule in optimizer steps: iteration-based loops and ``by_epoch=False`` schedulers and
    checkpoint intervals are multiplied by ``counts``; epoch-based ones already count data, not steps.

    An iteration-counted warm-up then moves in sub-steps, so the lr of the k-th optimizer step is the
    recipe's at step k + (counts - 1) / counts (less than one step of warm-up apart).
    """
    if counts < 1:
        raise ValueError(f'accumulation counts must be >= 1, got {counts}')
    if counts == 1:
        return {}
    options = {'optim_wrapper.accumulative_counts': counts, 'auto_scale_lr.enable': False}
    train = cfg.get('train_cfg', {})
    if 'max_iters' in train:
        options['train_cfg.max_iters'] = train['max_iters'] * counts
        if 'val_interval' in train:
            options['train_cfg.val_interval'] = train['val_interval'] * counts
    schedulers = cfg.get('param_scheduler')
    if schedulers:
        schedulers = schedulers if isinstance(schedulers, (list, tuple)) else [schedulers]
        options['param_scheduler'] = [_scaled_scheduler(s, counts) for s in schedulers]
    checkpoint = cfg.get('default_hooks', {}).get('checkpoint', {})
    if checkpoint.get('by_epoch') is False and 'interval' in checkpoint:
        options['default_hooks.checkpoint.interval'] = checkpoint['interval'] * counts
    return options


def accumulation_plan(cfg, processes: int, accumulate: int | str = 'auto') -> tuple[int, str]:
    """How many micro-batches per step keep the recipe's total batch on ``processes`` devices.

    ``accumulate='auto'``: recipe devices / processes when fewer processes than the recipe's devices (and
    they divide it), else 1. An explicit integer is used as given. Returns ``(counts, note)``; the note says
    what the run's total batch is, for the user to read before a long run.

    Raises:
        ValueError: 'auto' with a process count that does not divide the recipe's devices.
    """
    batch = cfg.get('train_dataloader', {}).get('batch_size')
    devices = recipe_devices(cfg)
    recipe = f'{devices} devices x {batch} = {devices * batch}' if devices and batch else 'unknown'
    if accumulate != 'auto':
        counts = int(accumulate)
        return counts, (f'total batch {processes} x {batch} x {counts} accumulated = '
                        f'{processes * batch * counts} (recipe: {recipe})')
    if not devices or processes >= devices:
        return 1, f'total batch {processes} x {batch} = {processes * batch} (recipe: {recipe})'
    if devices % processes:
        raise ValueError(
            f'the recipe trains on {devices} devices x {batch} images; {processes} processes cannot keep '
            f'that total batch by accumulation ({devices} / {processes} is not whole). Use a process count '
            f'that divides {devices}, or --accumulate 1 --auto-scale-lr to train at {processes * batch} '
            'images per step with the lr scaled linearly')
    counts = devices // processes
    return counts, (f'accumulating {counts} micro-batches per step: {processes} x {batch} x {counts} = '
                    f'{devices * batch} images per step, the recipe\'s {recipe}')


def saver_options(config: str | Path, processes: int = 1, accumulate: int | str = 'auto',
                  checkpointing: bool = False, auto_scale_lr: bool = False,
                  scale: str = 'full') -> tuple[dict, list[str]]:
    """The overrides ``mimbench evaluate`` adds to a task's derived config, and notes saying what they do.

    Accumulation: ``accumulate='auto'`` keeps a full recipe's total batch on ``processes`` devices
    (:func:`accumulation_plan`); smoke configs are left alone. ``auto_scale_lr`` instead trains at the
    launched total batch with the lr scaled linearly (mmengine ``auto_scale_lr``).
    """
    from mmengine.config import Config
    cfg = Config.fromfile(str(config))
    options, notes = {}, []
    if checkpointing:
        options.update(checkpointing_options(cfg))
        notes.append('activation checkpointing on (' + ', '.join(sorted(options)) + ')')
    if auto_scale_lr:
        if accumulate not in ('auto', 1, '1'):
            raise ValueError('--auto-scale-lr trains at the launched batch; it cannot be combined with '
                             f'--accumulate {accumulate}')
        options['auto_scale_lr.enable'] = True
        batch = cfg.train_dataloader.batch_size
        notes.append(f'auto_scale_lr: total batch {processes} x {batch} = {processes * batch}, lr scaled '
                     f'linearly from the recipe\'s {cfg.get("auto_scale_lr", {}).get("base_batch_size")}')
        return options, notes
    if scale != 'full' and accumulate == 'auto':
        return options, notes
    counts, note = accumulation_plan(cfg, processes, accumulate)
    options.update(accumulation_options(cfg, counts))
    notes.append(note)
    return options, notes
