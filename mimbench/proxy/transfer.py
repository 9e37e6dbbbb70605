"""Fine-tuning, detection and segmentation of the proxy benchmark, through the suite's own transfer runs.

Each run is what ``mimbench evaluate --scale smoke`` runs (``evaluate.derive_config``: the family's smoke
transfer config, the encoder loaded by ``mimbench.Pretrained``, a result record), pointed at the proxy corpus
and given a proxy schedule. The proxy's changes live in a second small config next to the derived one
(``<task>_proxy.py``, ``_base_`` = the derived config), so a user can read and re-run it with
``mimbench train``:

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

Per-image outcomes of the final evaluation are captured by :class:`OutcomeCapture` and written next to the
record (``outcomes.npz``), so that intervals and paired tests over images can be computed
(``mimbench.proxy.significance``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from mmengine.hooks import Hook

from mimbench.datasets.proxy import SHAPES

# proxy task -> (suite task id, what an outcome is)
TASKS = {'finetune': ('in1k', 'classification'), 'detection': ('coco', 'detection'),
         'segmentation': ('ade20k', 'segmentation')}
OUTCOMES = 'outcomes.npz'


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


def proxy_options(task: str, iters: int, seed: int) -> dict:
    """Overrides (dotted keys) of the proxy schedule, label space and seed for suite task ``task``."""
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
        'randomness': dict(seed=seed),
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


def write_proxy_config(derived: Path, task: str, iters: int, seed: int, note: str) -> Path:
    """``<task>_proxy.py`` next to ``derived``: inherits it and sets the proxy schedule, labels and seed."""
    from mmengine.config import Config

    from mimbench.evaluate import _nested

    options = proxy_options(task, iters, seed)
    options['mimbench.note'] = note
    path = derived.with_name(f'{derived.stem}_proxy.py')
    path.write_text(f'# Proxy benchmark run (mimbench proxy): {note}.\n# Re-run by hand: mimbench train {path}\n'
                    f'_base_ = [{str(derived)!r}]\n\n{Config(_nested(options)).pretty_text}')
    return path


class OutcomeCapture(Hook):
    """Keep each validation image's outcome of the last evaluation (stand-in for per-sample record sidecars).

    classification: predicted and true label; segmentation: per-class intersection and union (mmseg's
    ``IoUMetric.intersect_and_union``); detection: the boxes, scores and labels, with the image id.
    """

    priority = 'LOW'

    def __init__(self, kind: str, num_classes: int | None = None, ignore_index: int = 255):
        self.kind, self.num_classes, self.ignore_index = kind, num_classes, ignore_index
        self.rows: list = []

    def before_val_epoch(self, runner) -> None:
        self.rows = []

    def after_val_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        for sample in outputs or ():
            self.rows.append(self._outcome(sample))

    def _outcome(self, sample):
        if self.kind == 'classification':
            return int(sample.pred_label[0]), int(sample.gt_label[0])
        if self.kind == 'segmentation':
            from mmseg.evaluation.metrics import IoUMetric

            pred = sample.pred_sem_seg.data.squeeze(0).cpu()
            label = sample.gt_sem_seg.data.squeeze(0).cpu().to(pred)
            inter, union, _, _ = IoUMetric.intersect_and_union(pred, label, self.num_classes, self.ignore_index)
            return inter.numpy(), union.numpy()
        det = sample.pred_instances
        return (int(sample.img_id), det.bboxes.cpu().numpy(), det.scores.cpu().numpy(),
                det.labels.cpu().numpy())

    def save(self, path: Path) -> Path:
        """Write the rows as arrays: ``pred``/``target``; ``intersect``/``union``; or detections."""
        if self.kind == 'classification':
            pred, target = np.array(self.rows).T
            np.savez_compressed(path, pred=pred, target=target)
        elif self.kind == 'segmentation':
            np.savez_compressed(path, intersect=np.stack([r[0] for r in self.rows]),
                                union=np.stack([r[1] for r in self.rows]))
        else:
            ids = np.array([r[0] for r in self.rows])
            counts = np.array([len(r[2]) for r in self.rows])
            np.savez_compressed(path, img_id=ids, count=counts,
                                bboxes=np.concatenate([r[1] for r in self.rows]).reshape(-1, 4),
                                scores=np.concatenate([r[2] for r in self.rows]),
                                labels=np.concatenate([r[3] for r in self.rows]))
        return path


def run_transfer(task: str, backbone: str, checkpoint: Path | None, method: str, corpus: Path, work_dir: Path,
                 iters: int, seed: int) -> Path:
    """Train and evaluate one proxy transfer run; return its ``outcomes.npz`` (skipped if already written)."""
    import mimbench  # noqa: F401
    from mmengine.config import Config

    from mimbench.evaluate import derive_config
    from mimbench.runner import build_runner

    suite_task, kind = TASKS[task]
    outcomes = work_dir / OUTCOMES
    if outcomes.is_file():
        return outcomes
    run = derive_config(suite_task, backbone, str(checkpoint) if checkpoint else None, method, 'smoke',
                        work_dir, work_dir / 'results', data_root=str(corpus))
    note = f'proxy {task}, {iters} iterations, seed {seed}'
    config = write_proxy_config(run.config, suite_task, iters, seed, note)
    cfg = Config.fromfile(str(config))
    num_classes = cfg.model.decode_head.num_classes if kind == 'segmentation' else None
    runner = build_runner(cfg, work_dir=str(work_dir))
    capture = OutcomeCapture(kind, num_classes)
    runner.register_hook(capture)
    runner.train()
    return capture.save(outcomes)
