"""Linear probing of a frozen encoder on cached features (mae.txt A.2 / Table 10 protocol, proxy scale).

The encoder is built from the suite's own ImageNet smoke transfer config of its family (ViT: the linear
probing config, class token after the final norm, mae.txt A.1 "auxiliary dummy token ... treated as the class
token"; Swin, ResNet, MixMIM: the fine-tuning config's encoder and global average pooling), and the
pre-trained weights arrive through the same ``mimbench.Pretrained`` initialiser every transfer run uses, so a
checkpoint that does not load fails here as it would in ``mimbench evaluate``.

Because the encoder is frozen, its features are computed once (the config's test pipeline: resize + centre
crop) and the classifier is trained on them. The classifier is mae.txt A.2's: BatchNorm without affine
(``mimbench.FeatureBatchNorm``; here its converged form, the train features' mean and variance) then a linear
layer; no regularisation (weight decay 0, no mixup), SGD with momentum 0.9 (Table 10: "SGD works similarly"
to LARS), linear warm-up then cosine decay. Deviation from Table 10, stated: no random-resized-crop
augmentation (features are cached), and a proxy-sized schedule (``epochs``).

A seed fixes the classifier's initialisation and batch order and, for a random-init encoder, its weights
(each seed probes a different random encoder).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn


@dataclass
class Features:
    train: torch.Tensor          # [N_train, D]
    train_labels: torch.Tensor   # [N_train]
    val: torch.Tensor            # [N_val, D]
    val_labels: torch.Tensor     # [N_val]


def probe_config(backbone: str, checkpoint: str | None, data_root: Path, num_classes: int,
                 method: str | None = None):
    """The family's ImageNet smoke config, pointed at ``data_root`` and loading ``checkpoint`` (or random).

    ``method`` (the id the checkpoint records, e.g. ``simmim``) picks the method's own recipe where it has
    one. A ViT whose method pre-trains another layout than the linear recipe's plain ViT (SimMIM's ViT-B has
    BEiT's: relative position bias, no absolute position embedding; simmim.txt Sec. 4.2) is built as the
    method's fine-tuning recipe builds it and read as the linear recipe reads a ViT (class token after the
    final norm).
    """
    from mimbench.datasets.overrides import data_root_options
    from mimbench.smoke import load_smoke
    from mimbench.transfer.tasks import family_of, task_config

    vit = family_of(backbone) == 'vit'
    cfg = load_smoke(task_config('in1k', backbone, 'smoke', protocol='linear' if vit else 'finetune',
                                 method=method))
    if vit:
        own = load_smoke(task_config('in1k', backbone, 'smoke', method=method)).model.backbone
        if own.type != cfg.model.backbone.type:
            cfg.model.backbone = dict(own, out_type='cls_token', final_norm=True, drop_path_rate=0.0)
    cfg.merge_from_dict(data_root_options('in1k', data_root))
    cfg.merge_from_dict({'model.head.num_classes': num_classes, 'data_preprocessor.num_classes': num_classes})
    init = dict(type='mimbench.Pretrained', checkpoint=str(checkpoint)) if checkpoint else None
    cfg.model.backbone.init_cfg = init
    return cfg


def build_encoder(cfg, seed: int) -> nn.Module:
    """The classifier of ``cfg``, its encoder initialised (loaded, or drawn from ``seed``), in eval mode."""
    import mimbench  # noqa: F401  (registers mimbench's modules)
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS

    torch.manual_seed(seed)
    model_cfg = cfg.model.copy()
    model_cfg.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(model_cfg)
        model.init_weights()
    return model.eval()


@torch.no_grad()
def encode(model: nn.Module, dataloader) -> tuple[torch.Tensor, torch.Tensor]:
    """Pooled features ``[N, D]`` (before any BatchNorm neck) and labels ``[N]`` of a loader's images."""
    from mimbench.models.adapters import FeatureBatchNorm

    feats, labels = [], []
    for batch in dataloader:
        data = model.data_preprocessor(batch, training=False)
        out = model.backbone(data['inputs'])
        if getattr(model, 'neck', None) is not None and not isinstance(model.neck, FeatureBatchNorm):
            out = model.neck(out)
        feats.append(out[-1].flatten(1).float())
        labels.append(torch.cat([s.gt_label for s in data['data_samples']]))
    return torch.cat(feats), torch.cat(labels)


def extract(backbone: str, checkpoint: str | None, data_root: Path, num_classes: int, seed: int = 0,
            batch_size: int = 100, method: str | None = None) -> Features:
    """Features of the train and val splits of the ImageNet-layout corpus at ``data_root`` (``method``: as
    :func:`probe_config`)."""
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner

    cfg = probe_config(backbone, checkpoint, data_root, num_classes, method)
    model = build_encoder(cfg, seed)
    out = []
    for split in ('train', 'val'):
        loader_cfg = cfg.val_dataloader.copy()
        loader_cfg.batch_size = batch_size
        loader_cfg.dataset = dict(loader_cfg.dataset, split=split)
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            out += encode(model, Runner.build_dataloader(loader_cfg, seed=seed))
    return Features(*out)


def train_linear(features: Features, num_classes: int, seed: int, epochs: int = 90, batch_size: int = 256,
                 base_lr: float = 0.1, warmup_epochs: int = 10) -> np.ndarray:
    """Train BN(affine=False) + linear on ``features.train``; return its predicted label per ``val`` image.

    lr = ``base_lr`` x batch / 256 (mae.txt Table 10's rule), momentum 0.9, weight decay 0, ``warmup_epochs``
    linear warm-up then cosine (Table 10: 10 of 90). Returns an int array ``[N_val]``.
    """
    gen = torch.Generator().manual_seed(seed)
    mean = features.train.mean(0)
    std = (features.train.var(0, unbiased=False) + 1e-6).sqrt()   # FeatureBatchNorm's eps
    x, y = (features.train - mean) / std, features.train_labels
    head = nn.Linear(x.shape[1], num_classes)
    nn.init.trunc_normal_(head.weight, std=0.01, generator=gen)    # MAE's linear-probe head init
    nn.init.zeros_(head.bias)
    lr = base_lr * batch_size / 256
    opt = torch.optim.SGD(head.parameters(), lr=lr, momentum=0.9, weight_decay=0.0)
    steps_per_epoch = math.ceil(len(x) / batch_size)
    total, warmup = epochs * steps_per_epoch, warmup_epochs * steps_per_epoch
    step = 0
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), batch_size):
            idx = order[i:i + batch_size]
            scale = (step + 1) / warmup if step < warmup else \
                0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))
            for group in opt.param_groups:
                group['lr'] = lr * scale
            loss = nn.functional.cross_entropy(head(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
    with torch.no_grad():
        return head((features.val - mean) / std).argmax(1).numpy()


def probe_outcome(pred: np.ndarray, target: np.ndarray):
    """A probe's per-image outcomes as the suite keeps them (``mimbench.samples``), metric ``linear`` = top-1;
    images are identified by their position in the validation list."""
    from mimbench.samples import ClassificationOutcomes

    return ClassificationOutcomes(topk=np.asarray(pred)[:, None], target=np.asarray(target),
                                  ids=np.arange(len(target)), aliases={'linear': 'top1', 'top1': 'top1'})
