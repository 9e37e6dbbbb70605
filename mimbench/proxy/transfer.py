"""Fine-tuning, detection and segmentation of the proxy benchmark, through the suite's own transfer runs.

Each run is what ``mimbench evaluate --scale smoke`` runs (``evaluate.derive_config``: the family's smoke
transfer config, the encoder loaded by ``mimbench.Pretrained``, a result record), pointed at the proxy corpus
and given a proxy schedule. The proxy's changes are the derived config's own overrides (``<task>.py`` in the
run's folder, inheriting the recipe's smoke twin), so a user can read and re-run it with ``mimbench train``:

- ``iters`` training iterations (instead of the smoke schedule's 2) at the batch and learning rate of
  :data:`SCHEDULE`, evaluated once at the end, linear warm-up over the first 10% then cosine decay; the
  optimiser type, its other values and the layer-decay rule are the config's;
- fine-tuning's augmentation is a random-resized crop (scale 0.5-1) and a flip: the recipes' regularisation
  (RandAugment, random erasing, mixup, cutmix; mae.txt Table 9) is sized for 100 epochs, and with it neither a
  pre-trained nor a random-init encoder learns anything in a few hundred iterations (both at chance, 10%,
  measured on the proxy corpus);
- the corpus's label space (10 shapes: classification head and COCO categories; ADE20K ids are native);
- ``randomness.seed``: a seed fixes data order, augmentation, head initialisation and, for a random-init
  encoder, the encoder's weights.

Per-image outcomes of the final evaluation are the record's sidecar (``mimbench.samples``), from which
``mimbench.stats`` computes intervals and paired tests over images and seeds.
"""
from __future__ import annotations

from pathlib import Path

from mimbench.datasets.proxy import SHAPES

# proxy task -> suite task id
TASKS = {'finetune': 'in1k', 'detection': 'coco', 'segmentation': 'ade20k'}


# suite task -> (batch size, learning rate) of a proxy run: a short schedule needs a larger step than the
# recipes' linear rule gives at these batches (e.g. mae.txt Table 9: 5e-4 x 64 / 256 = 1.25e-4)
SCHEDULE = {'in1k': (64, 1e-3), 'coco': (4, 5e-4), 'ade20k': (4, 5e-4)}
LIGHT_AUGMENTATION = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.RandomResizedCrop', scale=64, crop_ratio_range=(0.5, 1.0), backend='pillow',
         interpolation='bicubic'),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.PackInputs'),
]


def proxy_options(task: str, iters: int) -> dict:
    """Overrides (dotted keys) of the proxy schedule and label space for suite task ``task``."""
    warmup = max(1, iters // 10)
    batch, lr = SCHEDULE[task]
    options = {
        'train_dataloader.batch_size': batch,
        'optim_wrapper.optimizer.lr': lr,
        'train_cfg': dict(_delete_=True, type='IterBasedTrainLoop', max_iters=iters, val_interval=iters),
        'param_scheduler': [
            dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=warmup),
            dict(type='CosineAnnealingLR', T_max=iters - warmup, eta_min=0.0, by_epoch=False, begin=warmup,
                 end=iters),
        ],
        'default_hooks.logger.interval': max(1, iters // 5),
    }
    if task == 'in1k':
        options.update({'model.head.num_classes': len(SHAPES), 'data_preprocessor.num_classes': len(SHAPES),
                        'data_preprocessor.batch_augments': None,
                        'train_dataloader.dataset.pipeline': LIGHT_AUGMENTATION})
    elif task == 'coco':
        options.update({'model.roi_head.bbox_head.num_classes': len(SHAPES),
                        'model.roi_head.mask_head.num_classes': len(SHAPES)})
        options.update({f'{split}_dataloader.dataset.metainfo': dict(classes=SHAPES)
                        for split in ('train', 'val', 'test')})
    return options


def run_transfer(task: str, backbone: str, checkpoint: Path | None, method: str, corpus: Path, work_dir: Path,
                 iters: int, seed: int, recipe_method: str | None = None):
    """Train and evaluate one proxy transfer run (skipped when its record exists); return its per-image
    outcomes, read from the record's sidecar (:mod:`mimbench.samples`).

    ``recipe_method``: the method whose recipe trains the encoder when it is not ``method``'s own (a
    random-init encoder trained as the pre-trained one it is compared with: same architecture, optimiser and
    layer decay).
    """
    from mimbench.evaluate import _layer_decay_method, derive_config, run_task
    from mimbench.results import read_record
    from mimbench.samples import record_outcomes
    from mimbench.transfer.tasks import task_config

    from mmengine.config import Config

    suite_task = TASKS[task]
    options = proxy_options(suite_task, iters)
    recipe = reason = None
    if recipe_method and recipe_method != method:
        recipe = Path(task_config(suite_task, backbone, 'smoke', method=recipe_method))
        reason = (f'trained with the {recipe_method} recipe ({recipe.name}), as the encoder it is compared '
                  'with')
        options.update(_layer_decay_method(recipe, recipe_method))

    def derive():
        return derive_config(suite_task, backbone, str(checkpoint) if checkpoint else None, method, 'smoke',
                             work_dir, work_dir / 'results', data_root=str(corpus), seed=seed, extra=options,
                             recipe=recipe, recipe_reason=reason)

    run = derive()
    if suite_task == 'in1k' and Config.fromfile(str(run.config)).model.head.loss.get('use_sigmoid'):
        # a sigmoid (binary cross-entropy) head takes one-hot targets, which mixup/cutmix made; without them
        # the preprocessor makes them (e.g. the ResNet recipe of CiM's fine-tuning)
        options['data_preprocessor.to_onehot'] = True
        run = derive()
    run.remove_stale_writes()
    record = run.record() or run_task(run, 'none')
    return record_outcomes(read_record(record))
