"""Pre-train each method for a fixed iteration budget on the proxy corpus (smoke-size encoders, CPU).

Each method runs the smoke twin of its recipe (``mimbench.smoke``, as ``mimbench pretrain METHOD --backbone
<family>-smoke`` does: the paper's masking, target, loss, decoder shape and optimiser type at smoke size;
CiM's ResNet with REVDET, the objective cim.txt pre-trains its ResNet-50 with: :data:`RECIPES`) with these
changes, the same for every method:

- data: all of the proxy corpus's ``in1k/train`` images, without labels (as the papers pre-train on IN-1K
  train);
- schedule: ``iters`` iterations at batch ``batch_size`` (an iteration budget, not a time budget, so a run is
  reproducible anywhere; the CPU seconds each method took are measured and reported next to it), linear
  warm-up over the first 10% then cosine decay to 0 (the recipes' schedule shape, compressed);
- learning rate: ``lr`` for every method (default 1e-3), instead of the recipes' linear rule. The rule
  (e.g. mae.txt App. A.1, lr = 1.5e-4 x batch / 256) is made for batches of 1024-4096 over hundreds of epochs;
  at batch 64 for a few hundred steps it gives 4e-5, with which no method moves from its initialisation.

The CiM tokenizer: cim.txt Sec. 2.1 uses a *pre-trained* frozen tokenizer (DALL-E's dVAE). The smoke config
has a random VQ tokenizer, whose decoded "corrupted images" carry nothing of the input; the proxy therefore
first trains the small VQ tokenizer (the smoke twin of ``vqtokenizer_f8-k1024_...py``) on the same images and
plugs it in, as cim.txt plugs in DALL-E's.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from mimbench.pretrain import CONFIG_ROOT, find_config

# (method, smoke backbone): every backbone family once, as the demo
METHODS = (
    ('mae', 'vit-smoke'),
    ('simmim', 'swin-smoke'),
    ('cim', 'resnet-smoke'),
    ('mixmim', 'mixmim-smoke'),
)
# The recipe each method's proxy run pre-trains (its smoke twin) where it is not find_config's smoke choice: a
# ResNet enhancer is pre-trained with REVDET, as cim.txt pre-trains its ResNet-50 (Sec. 4.1, Table 2: the
# 80.6 is CiM-REVDet; "CiM pre-trained ResNet-50 works better with the REVDet visual pretext task"). RESPIX on
# the proxy's ResNet does not beat random init on linear probing (benchmarks/README.md "Proxy benchmark").
RECIPES = {('cim', 'resnet-smoke'): CONFIG_ROOT / 'cim' / 'cim-revdet_resnet50_16xb128-coslr-300e_in1k.py'}
CPU_SECONDS = 'cpu_seconds.json'   # beside a finished run: the CPU seconds it took
TOKENIZER_ITERS = 300
TOKENIZER_CONFIG = CONFIG_ROOT / 'cim' / 'vqtokenizer_f8-k1024_8xb64-adamw-100e_in1k.py'


@dataclass
class Pretrained:
    method: str
    backbone: str
    checkpoint: Path
    iters: int
    cpu_seconds: float


def budget_options(iters: int, batch_size: int, lr: float, data_root: Path, seed: int) -> dict:
    """``--cfg-options`` turning a smoke pre-training config into a proxy run of ``iters`` iterations."""
    warmup = max(1, iters // 10)
    return {
        'train_dataloader.batch_size': batch_size,
        'train_dataloader.dataset.data_root': str(data_root),
        'train_dataloader.dataset.data_prefix': 'train',
        'train_dataloader.dataset.indices': None,     # every image (the smoke twin reads the first 2 batches)
        # an endless sampler: mmengine's loop sleeps 2 s at each restart of a finite one (every few
        # iterations on a small corpus)
        'train_dataloader.sampler': dict(_delete_=True, type='InfiniteSampler', shuffle=True, seed=seed),
        'train_cfg': dict(_delete_=True, type='IterBasedTrainLoop', max_iters=iters),
        'param_scheduler': [
            dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=warmup),
            dict(type='CosineAnnealingLR', T_max=iters - warmup, eta_min=0.0, by_epoch=False, begin=warmup,
                 end=iters),
        ],
        'optim_wrapper.optimizer.lr': lr,
        'auto_scale_lr.enable': False,
        'default_hooks.checkpoint': dict(_delete_=True, type='CheckpointHook', by_epoch=False, interval=iters,
                                         max_keep_ckpts=1),
        'default_hooks.logger': dict(type='LoggerHook', interval=max(1, iters // 5)),
        'log_level': 'WARNING',
        'randomness': dict(seed=seed),
    }


def _train(config: Path, work_dir: Path, options: dict) -> tuple[Path, float]:
    """Train the smoke twin of recipe ``config`` with ``options`` in ``work_dir``: (checkpoint, CPU-s).

    A finished run (its last checkpoint and its CPU seconds in ``cpu_seconds.json``) is reused as it is:
    resuming it would replay the whole data order before finding nothing left to train.
    """
    from mimbench.pretrain import run_pretrain, smoke_twin

    done = Path(work_dir) / f'iter_{options["train_cfg"]["max_iters"]}.pth'
    cost = Path(work_dir) / CPU_SECONDS
    if done.is_file() and cost.is_file():
        _check_same_recipe(config, work_dir)
        return done, float(json.loads(cost.read_text())['cpu_seconds'])
    start = time.process_time()
    checkpoint = run_pretrain(smoke_twin(config, work_dir), work_dir, cfg_options=options)
    seconds = time.process_time() - start
    cost.write_text(json.dumps({'cpu_seconds': seconds}))
    return checkpoint, seconds


def _check_same_recipe(config: Path, work_dir: Path) -> None:
    """Refuse a finished run whose smoke twin differs from the one ``config`` gives today (e.g. made before a
    change of :mod:`mimbench.smoke`): its checkpoint is not what this run would train."""
    import tempfile

    from mimbench.pretrain import smoke_twin

    saved = Path(work_dir) / f'{Path(config).stem}_smoke.py'
    with tempfile.TemporaryDirectory() as tmp:
        fresh = smoke_twin(config, Path(tmp)).read_text()
    if not saved.is_file() or saved.read_text() != fresh:
        raise RuntimeError(f'{work_dir} holds a finished run of another smoke twin of {Path(config).name} '
                           f'(expected {saved.name} as mimbench.smoke writes it today, found '
                           f'{"none" if not saved.is_file() else "a different one"}): remove that folder to '
                           'train it again, or use another --work-dir')


def pretrain(method: str, backbone: str, corpus: Path, work_dir: Path, iters: int, batch_size: int = 64,
             lr: float = 1e-3, tokenizer_iters: int | None = None, seed: int = 0,
             config: Path | None = None) -> Pretrained:
    """Pre-train ``method`` on ``corpus/in1k/train`` for ``iters`` iterations; a finished run is reused.

    ``config``: another full pre-training config of ``method`` (e.g. an ablation variant under
    ``configs/pretrain/<method>/ablation/``) whose smoke twin is trained instead of the method's recipe
    (:func:`recipe`).

    CiM first trains its tokenizer for ``tokenizer_iters`` iterations (default: 300; never more than
    10 x ``iters``, so a tiny run keeps a tiny tokenizer; its CPU time is included in the method's CPU
    seconds, its iterations are not: cim.txt's tokenizer is pre-trained separately too).
    CPU seconds are this process's (``time.process_time``: every thread, so 2 busy cores count twice).
    """
    data_root = Path(corpus) / 'in1k'
    options = budget_options(iters, batch_size, lr, data_root, seed)
    cpu = 0.0
    if method == 'cim':
        if tokenizer_iters is None or tokenizer_iters > 10 * iters:   # tiny runs keep a tiny tokenizer
            tokenizer_iters = min(TOKENIZER_ITERS, 10 * iters)
        tok_options = budget_options(tokenizer_iters, batch_size, lr, data_root, seed)
        tokenizer, cpu = _train(TOKENIZER_CONFIG, work_dir / 'tokenizer', tok_options)
        options['model.tokenizer.checkpoint'] = str(tokenizer)
    config = Path(config) if config else recipe(method, backbone)
    checkpoint, seconds = _train(config, work_dir / run_name(config), options)
    return Pretrained(method, backbone, checkpoint, iters, cpu + seconds)


def recipe(method: str, backbone: str) -> Path:
    """The pre-training recipe whose smoke twin the proxy trains for ``method`` on ``backbone``
    (:data:`RECIPES`, else :func:`mimbench.pretrain.find_config`'s smoke choice)."""
    return RECIPES.get((method, backbone)) or find_config(method, backbone, 'smoke')


def run_name(config: Path) -> str:
    """The folder of a recipe's run: the method id its file name starts with (``mae``, ``cim-revdet``), so
    runs of one method's different objectives never share (and never resume) a folder."""
    return Path(config).stem.split('_')[0]
