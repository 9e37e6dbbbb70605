"""``init_cfg=dict(type='mimbench.Pretrained', checkpoint=..., format='auto')``: the one entry point through
which every transfer config (mmdet, mmseg, mmpretrain) loads a pre-trained encoder.

The checkpoint is injected at launch (``--cfg-options model.backbone.init_cfg.checkpoint=PATH``) and goes
through :func:`mimbench.checkpoints.load.load_backbone_checkpoint`: any supported format, position tensors
resized to the backbone, and a loud error on missing/unexpected keys.

Ordering trap this initializer closes: mmengine's ``BaseModule.init_weights`` runs an init_cfg whose type
is not literally ``'Pretrained'`` *before* initialising the children, and the mmpretrain backbones
re-initialise after ``super().init_weights()`` (ViT re-draws ``pos_embed``, ResNet zeroes the last norm of
each block) unless ``init_cfg['type'] == 'Pretrained'``. Loaded weights would be overwritten silently. So,
after loading, every sub-module of the backbone is marked initialised, and the backbone's ``init_cfg`` is
replaced by a record whose type is ``'Pretrained'`` (with ``loaded_by='mimbench.Pretrained'`` and the
original config), which the backbones' own checks understand. Tests check the values after a full
detector/segmentor/classifier ``init_weights()``.
"""
from __future__ import annotations

import copy

from mmengine.logging import print_log
from mmengine.model import BaseModule
from mmengine.registry import WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

from mimbench.checkpoints.load import find_encoder, load_backbone_checkpoint

WEIGHT_INITIALIZERS = Registry('weight initializer', parent=MMENGINE_WEIGHT_INITIALIZERS, scope='mimbench',
                               locations=['mimbench.checkpoints'])


@WEIGHT_INITIALIZERS.register_module(name='Pretrained')
class PretrainedBackboneInit:
    """Load a pre-trained encoder of any supported format into the module holding this init_cfg.

    Args:
        checkpoint: path of the checkpoint; ``None``/empty raises (a transfer run must name its weights).
        format: ``'auto'`` or a format name (:data:`mimbench.checkpoints.formats.FORMATS`).
        allowed_missing / allowed_unexpected: extra key regexes, see ``load_backbone_checkpoint``.
        weights_only: unpickle tensors only (default); ``False`` only for files you trust.
        rel_pos_resize: ``'auto'`` | ``'bicubic'`` | ``'geometric'`` (SimMIM), see
            ``load_backbone_checkpoint``.
    """

    def __init__(self, checkpoint: str | None = None, format: str = 'auto', allowed_missing=(),
                 allowed_unexpected=(), weights_only: bool = True, rel_pos_resize: str = 'auto',
                 **unused):
        if unused:
            raise TypeError(f'mimbench.Pretrained got unknown argument(s) {sorted(unused)}; expected '
                            'checkpoint, format, allowed_missing, allowed_unexpected, weights_only, '
                            'rel_pos_resize')
        self.checkpoint = checkpoint
        self.format = format
        self.allowed_missing = tuple(allowed_missing)
        self.allowed_unexpected = tuple(allowed_unexpected)
        self.weights_only = weights_only
        self.rel_pos_resize = rel_pos_resize
        self.report = None

    def __call__(self, module):
        if isinstance(getattr(module, 'init_cfg', None), list) and len(module.init_cfg) > 1:
            raise ValueError(
                f"{type(module).__name__}.init_cfg is a list {module.init_cfg}; 'mimbench.Pretrained' must "
                'be the only entry: mmengine runs the entries in order, so a later one would overwrite the '
                'loaded weights')
        if not self.checkpoint:
            raise ValueError(
                f"{type(module).__name__} has init_cfg type 'mimbench.Pretrained' but no checkpoint; pass "
                'one at launch: --cfg-options model.backbone.init_cfg.checkpoint=PATH (or drop the init_cfg '
                'to train from scratch, which is then recorded as method "random")')
        self.report = load_backbone_checkpoint(
            module, self.checkpoint, format=self.format, allowed_missing=self.allowed_missing,
            allowed_unexpected=self.allowed_unexpected, weights_only=self.weights_only,
            rel_pos_resize=self.rel_pos_resize)
        print_log(self.report.summary(), logger='current')
        _protect_loaded_weights(module, self)
        return module


def _protect_loaded_weights(module, initializer: PretrainedBackboneInit) -> None:
    """Stop mmengine and the backbone class from re-initialising what was just loaded (module docstring).

    Only the encoder's sub-tree is marked initialised: layers an adapter adds around it (``ViTMultiScale``'s
    deconvolutions) are still initialised by their own ``init_weights``.
    """
    _, encoder, _ = find_encoder(module)
    for sub in encoder.modules():
        if sub is not module and isinstance(sub, BaseModule):
            sub._is_init = True
    original = copy.deepcopy(getattr(module, 'init_cfg', None))
    module.init_cfg = dict(type='Pretrained', loaded_by='mimbench.Pretrained',
                           checkpoint=initializer.checkpoint,
                           format=initializer.report.format, sha256=initializer.report.sha256,
                           original=original)
    module.mimbench_load_report = initializer.report
    try:  # mmengine's per-parameter init log, when init_weights runs from a top-level module
        from mmengine.model.weight_init import update_init_info
        update_init_info(module, init_info=f'mimbench.Pretrained: {initializer.checkpoint}')
    except (AttributeError, KeyError):
        pass


def find_load_report(model):
    """The :class:`~mimbench.checkpoints.load.LoadReport` of the checkpoint loaded into ``model`` by
    ``mimbench.Pretrained`` (None if none was): its ``sha256`` goes into
    ``ResultRecord.checkpoint_sha256``."""
    model = getattr(model, 'module', model)
    for sub in model.modules():
        report = getattr(sub, 'mimbench_load_report', None)
        if report is not None:
            return report
    return None
