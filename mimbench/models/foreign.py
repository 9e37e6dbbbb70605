"""``mimbench.ForeignBackbone``: any backbone mimbench has no converter for — a timm model, an mmpretrain
backbone config, a registered class — made usable by the transfer templates.

It builds the wrapped backbone, returns the feature maps the task needs (4 levels at strides 4-32 for
FPN/UperNet, the last one for classification heads) and loads a checkpoint **strictly** after the wrapped
backbone initialised itself, so neither a silent partial load nor a later re-initialisation can leave a
randomly initialised encoder behind (the worst bug a benchmark can have). Checkpoint keys may carry a
``backbone.`` prefix (mmengine containers) or be a bare state dict; for timm models the keys are timm's own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import torch
from mmengine.model import BaseModule

from mimbench.registry import MODELS


def backbone_spec_cfg(spec: str) -> dict:
    """The backbone config dict a ``--backbone`` spec names.

    - ``timm:<model name>``: a timm model with ``features_only`` (mmpretrain's TIMMBackbone);
    - a ``.py`` config file holding ``backbone = dict(type=..., ...)``;
    - a registered type such as ``mmpretrain.ConvNeXt`` (built with its defaults).
    """
    if spec.startswith('timm:'):
        return dict(
            type='mmpretrain.TIMMBackbone',
            model_name=spec[len('timm:') :],
            features_only=True,
            pretrained=False,
        )
    if spec.endswith('.py'):
        from mmengine.config import Config

        cfg = Config.fromfile(spec)
        if 'backbone' not in cfg:
            raise ValueError(f'{spec} has no `backbone = dict(type=..., ...)`; expected a backbone config')
        return cfg.backbone.to_dict()
    if '.' in spec:
        return dict(type=spec)
    raise ValueError(
        f'{spec!r} is not a backbone spec: expected a known backbone id, timm:<model name>, a '
        '.py config with `backbone = dict(...)`, or a registered type like mmpretrain.ConvNeXt'
    )


def _strip(state: dict, prefixes: Sequence[str]) -> dict:
    for prefix in prefixes:
        if state and all(k.startswith(prefix) for k in state):
            return {k[len(prefix) :]: v for k, v in state.items()}
    return state


@MODELS.register_module()
class ForeignBackbone(BaseModule):
    """Wrap ``backbone`` (a config dict of any registered backbone), select ``out_indices`` of its outputs
    and load ``checkpoint`` strictly after initialisation.

    Args:
        backbone: config of the wrapped backbone; must return a tuple/list of ``[N, C, H, W]`` maps.
        out_indices: which outputs to return (default: all).
        checkpoint: a local checkpoint of the wrapped backbone, or None for random initialisation.
    """

    def __init__(
        self,
        backbone: dict,
        out_indices: Sequence[int] | None = None,
        checkpoint: str | None = None,
        init_cfg=None,
    ):
        super().__init__(init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.out_indices = tuple(out_indices) if out_indices is not None else None
        self.checkpoint = checkpoint

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        outs = self.backbone(x)
        outs = tuple(outs) if isinstance(outs, (list, tuple)) else (outs,)
        return outs if self.out_indices is None else tuple(outs[i] for i in self.out_indices)

    def init_weights(self) -> None:
        super().init_weights()
        if self.checkpoint:
            # the attribute name is what ResultRecordHook looks for (checkpoint path and sha256 on the record)
            self.mimbench_load_report = self.load_checkpoint(self.checkpoint)

    def load_checkpoint(self, path: str):
        """Load ``path`` into the wrapped backbone; raise with the key lists unless everything fits."""
        from mimbench.checkpoints.formats import read_checkpoint, unwrap
        from mimbench.checkpoints.hashing import checkpoint_sha256
        from mimbench.checkpoints.load import LoadReport

        state = _strip(unwrap(read_checkpoint(path)), ('backbone.',))
        target = self.backbone
        if hasattr(target, 'timm_model'):  # mmpretrain.TIMMBackbone: timm's own key names
            target = target.timm_model
        own = target.state_dict()
        unexpected = sorted(set(state) - set(own))
        missing = sorted(set(own) - set(state))
        # a features_only timm model drops its classifier: those keys may be left over, nothing else
        leftover_head = [k for k in unexpected if k.split('.')[0] in ('head', 'fc', 'classifier', 'fc_norm')]
        unexpected = [k for k in unexpected if k not in leftover_head]
        shape = sorted(k for k in set(state) & set(own) if state[k].shape != own[k].shape)
        if missing or unexpected or shape:
            raise ValueError(
                f'checkpoint {path} does not fit {type(target).__name__}: {len(missing)} missing '
                f'{missing[:20]}, {len(unexpected)} unexpected {unexpected[:20]}, '
                f'shape mismatches {shape[:20]}. '
                'Check that the backbone spec matches the checkpoint (same model name / config).'
            )
        target.load_state_dict({k: v for k, v in state.items() if k in own}, strict=True)
        loaded = target.state_dict()
        assert all(torch.equal(loaded[k], state[k].to(loaded[k].dtype)) for k in own), (
            'tensors did not arrive'
        )
        return LoadReport(
            checkpoint=path,
            format='foreign',
            family=type(target).__name__,
            sha256=checkpoint_sha256(path),
            loaded=sorted(own),
            dropped={k: 'classifier of the checkpoint; features only' for k in leftover_head},
        )


def probe_features(backbone: dict, img_size: int) -> list[tuple[int, int]]:
    """(channels, stride) of each output of ``backbone`` on an ``img_size`` input (one CPU forward)."""
    module = MODELS.build(dict(type='mimbench.ForeignBackbone', backbone=backbone)).eval()
    with torch.no_grad():
        outs = module(torch.zeros(1, 3, img_size, img_size))
    shapes = []
    for out in outs:
        if out.dim() != 4:
            raise ValueError(
                f'backbone output of shape {tuple(out.shape)} is not a [N, C, H, W] feature map; '
                'plain-ViT-like models need the ViT adapter: convert the checkpoint with '
                '`mimbench convert-checkpoint` and use a vit-* backbone id'
            )
        shapes.append((out.shape[1], img_size // out.shape[-1]))
    return shapes


def pyramid_indices(shapes: list[tuple[int, int]]) -> list[int]:
    """Indices of the outputs at strides 4, 8, 16, 32 (what FPN and UperNet expect)."""
    strides = [s for _, s in shapes]
    if all(s in strides for s in (4, 8, 16, 32)):
        return [strides.index(s) for s in (4, 8, 16, 32)]
    raise ValueError(
        f'detection and segmentation need feature maps at strides 4, 8, 16 and 32; this backbone '
        f'gives strides {strides}. Use it for the classification tasks, or pick out_indices in '
        'a backbone config file'
    )


def is_foreign(backbone: str) -> bool:
    """A backbone mimbench has no converter for: timm:<name>, a .py backbone config, or a registered type."""
    return backbone.startswith('timm:') or backbone.endswith('.py') or '.' in backbone


def foreign_label(backbone: str) -> str:
    """A file-name-safe id for a foreign backbone (records, work dirs)."""
    if backbone.endswith('.py'):
        return Path(backbone).stem
    return backbone.replace(':', '-').replace('.', '-').lower()


# templates for foreign (hierarchical) backbones, in order of preference (a smoke template is the full
# recipe of the family's base size; mimbench.evaluate shrinks it with mimbench.smoke)
_FOREIGN_TEMPLATES = {'smoke': ('resnet-smoke', 'swin-smoke', 'mixmim-smoke'),
                      'full': ('resnet-50', 'swin-b', 'mixmim-b')}


def foreign_options(task: str, spec: str, checkpoint: str | None, scale: str) -> tuple[Path, dict]:
    """Template and config overrides that put a foreign backbone (``mimbench.ForeignBackbone``) into ``task``.

    The feature channels and strides are probed with one forward pass; necks and heads are sized to them.
    Layer-wise lr decay needs the layer structure, which a foreign backbone does not declare: it is off, and
    the record says so. Raises ValueError when the backbone cannot serve the task.
    """
    from mmengine.config import Config

    from mimbench.transfer import tasks

    template = None
    for candidate in _FOREIGN_TEMPLATES[scale]:
        try:
            template = Path(tasks.task_config(task, candidate, scale)).resolve()
            break
        except ValueError:
            continue
    if template is None:
        raise ValueError(f'no {scale} template for task {task} that a foreign backbone can use')
    backbone_cfg = backbone_spec_cfg(spec)
    shapes = probe_features(backbone_cfg, 64 if scale == 'smoke' else 224)
    scope = tasks.TASKS[task].scope
    indices = [len(shapes) - 1] if scope == 'mmpretrain' else pyramid_indices(shapes)
    channels = [shapes[i][0] for i in indices]
    options = {
        'model.backbone': dict(
            _delete_=True,
            type='mimbench.ForeignBackbone',
            backbone=backbone_cfg,
            out_indices=indices,
            checkpoint=checkpoint,
        ),
        'optim_wrapper.constructor': 'DefaultOptimWrapperConstructor',
        'optim_wrapper.paramwise_cfg': dict(_delete_=True, norm_decay_mult=0.0, bias_decay_mult=0.0),
    }
    model = Config.fromfile(str(template)).model
    if scope == 'mmdet':
        options['model.neck.in_channels'] = channels
    elif scope == 'mmseg':
        for head in ('decode_head', 'auxiliary_head'):
            if model.get(head):
                cfg = model[head]
                options[f'model.{head}.in_channels'] = (
                    channels
                    if isinstance(cfg.in_channels, (list, tuple))
                    else channels[cfg.get('in_index', -1)]
                )
    else:
        options['model.neck'] = dict(_delete_=True, type='mmpretrain.GlobalAveragePooling')
        options['model.head.in_channels'] = channels[-1]
    return template, options
