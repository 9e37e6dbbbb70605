"""The OpenMMLab stack really works in one process on CPU: mmcv ops, a Mask R-CNN train step and
prediction (mmdet), an UperNet train step (mmseg), an mmpretrain classifier step, and registry scopes.

Models are built from the toolboxes' own configs through ``mmdet::``/``mmseg::``/``mmpretrain::``
inheritance (which needs pkg_resources, i.e. setuptools < 82), shrunk to CPU size.
"""

import textwrap

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

import mimbench  # noqa: F401  (compat fixes, registrations)


def _config(tmp_path, text):
    path = tmp_path / 'cfg.py'
    path.write_text(textwrap.dedent(text))
    return Config.fromfile(str(path))


def _sgd(model):
    return build_optim_wrapper(model, dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9)))


def test_mmcv_ops_compiled():
    from mimbench.info import mmcv_ops_status
    from mmcv.ops import RoIAlign

    assert mmcv_ops_status().startswith('compiled'), mmcv_ops_status()
    feats = torch.arange(16.0).reshape(1, 1, 4, 4)
    rois = torch.tensor([[0.0, 0.0, 0.0, 4.0, 4.0]])
    out = RoIAlign((2, 2), spatial_scale=1.0, sampling_ratio=2, aligned=False)(feats, rois)
    assert out.shape == (1, 1, 2, 2)
    assert torch.all(out[0, 0, 1, 1] > out[0, 0, 0, 0])  # bottom-right is larger in an arange grid


def _det_inputs(n=2, size=64):
    from mmdet.structures import DetDataSample
    from mmdet.structures.mask import BitmapMasks
    from mmengine.structures import InstanceData

    gen = torch.Generator().manual_seed(0)
    inputs, samples = [], []
    for _ in range(n):
        inputs.append(torch.randint(0, 255, (3, size, size), generator=gen).float())
        sample = DetDataSample(
            metainfo=dict(
                img_shape=(size, size),
                ori_shape=(size, size),
                pad_shape=(size, size),
                scale_factor=(1.0, 1.0),
                batch_input_shape=(size, size),
            )
        )
        inst = InstanceData()
        inst.bboxes = torch.tensor([[8.0, 8.0, 40.0, 40.0], [20.0, 16.0, 60.0, 56.0]])
        inst.labels = torch.tensor([0, 1])
        masks = torch.zeros(2, size, size, dtype=torch.uint8)
        masks[0, 8:40, 8:40] = 1
        masks[1, 16:56, 20:60] = 1
        inst.masks = BitmapMasks(masks.numpy(), size, size)
        sample.gt_instances = inst
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def test_mask_rcnn_train_step_and_predict(tmp_path):
    cfg = _config(
        tmp_path,
        """
        _base_ = ['mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py']
        model = dict(
            backbone=dict(depth=18, init_cfg=None),
            neck=dict(in_channels=[64, 128, 256, 512], out_channels=32),
            rpn_head=dict(in_channels=32, feat_channels=32),
            roi_head=dict(bbox_roi_extractor=dict(out_channels=32),
                          bbox_head=dict(in_channels=32, fc_out_channels=64, num_classes=3),
                          mask_roi_extractor=dict(out_channels=32),
                          mask_head=dict(in_channels=32, conv_out_channels=32, num_classes=3)))
    """,
    )
    init_default_scope('mmdet')
    from mmdet.registry import MODELS

    model = MODELS.build(cfg.model)
    model.init_weights()
    optim = _sgd(model)
    data = _det_inputs()
    log_vars = model.train_step(data, optim)
    for key in ('loss_rpn_cls', 'loss_cls', 'loss_bbox', 'loss_mask'):
        assert key in log_vars and torch.isfinite(log_vars[key]), key
    model.eval()
    with torch.no_grad():
        preds = model.test_step(_det_inputs(n=1))
    inst = preds[0].pred_instances
    assert inst.bboxes.shape[-1] == 4 and len(inst.bboxes) == len(inst.scores) == len(inst.masks)


def test_upernet_train_step(tmp_path):
    cfg = _config(
        tmp_path,
        """
        _base_ = ['mmseg::_base_/models/upernet_r50.py']
        norm_cfg = dict(type='BN', requires_grad=True)
        model = dict(
            data_preprocessor=dict(size=(64, 64)),
            pretrained=None,
            backbone=dict(depth=18, norm_cfg=norm_cfg),
            decode_head=dict(in_channels=[64, 128, 256, 512], channels=32, num_classes=5, norm_cfg=norm_cfg),
            auxiliary_head=dict(in_channels=256, channels=16, num_classes=5, norm_cfg=norm_cfg))
    """,
    )
    init_default_scope('mmseg')
    from mmseg.registry import MODELS
    from mmseg.structures import SegDataSample
    from mmengine.structures import PixelData

    model = MODELS.build(cfg.model)
    model.init_weights()
    samples = []
    for i in range(2):
        s = SegDataSample(metainfo=dict(img_shape=(64, 64), ori_shape=(64, 64), pad_shape=(64, 64)))
        s.gt_sem_seg = PixelData(data=torch.randint(0, 5, (1, 64, 64)))
        samples.append(s)
    data = dict(inputs=[torch.rand(3, 64, 64) * 255 for _ in range(2)], data_samples=samples)
    log_vars = model.train_step(data, _sgd(model))
    assert torch.isfinite(log_vars['decode.loss_ce']) and 'aux.loss_ce' in log_vars
    model.eval()
    with torch.no_grad():
        pred = model.test_step(dict(inputs=[torch.rand(3, 64, 64)], data_samples=[samples[0]]))
    assert pred[0].pred_sem_seg.data.shape == (1, 64, 64)


def test_mmpretrain_classifier_step(tmp_path):
    cfg = _config(
        tmp_path,
        """
        _base_ = ['mmpretrain::_base_/models/resnet18.py']
        model = dict(head=dict(num_classes=4))
    """,
    )
    init_default_scope('mmpretrain')
    from mmpretrain.registry import MODELS
    from mmpretrain.structures import DataSample

    model = MODELS.build(cfg.model)
    optim = _sgd(model)
    data = dict(
        inputs=torch.rand(4, 3, 32, 32), data_samples=[DataSample().set_gt_label(i % 4) for i in range(4)]
    )
    first = model.train_step(data, optim)['loss'].item()
    for _ in range(5):
        last = model.train_step(data, optim)['loss'].item()
    assert last < first  # it learns the fixed batch
    model.eval()
    out = model.test_step(dict(inputs=torch.rand(2, 3, 32, 32), data_samples=None))
    assert out[0].pred_score.shape == (4,)


@pytest.mark.parametrize(
    'scoped',
    [
        'mmdet.FPN',
        'mmseg.UPerHead',
        'mmpretrain.VisionTransformer',
        'mmdet.ResNet',
        'mmpretrain.ResNet',
        'mmpretrain.MAE',
        'mmseg.MAE',
    ],
)
def test_clashing_names_resolve_by_scope(scoped):
    """The toolboxes register clashing names; an explicit scope reaches each from any default scope."""
    from mmengine.registry import MODELS

    scope, name = scoped.split('.')
    for default in ('mmdet', 'mmseg', 'mmpretrain', 'mimbench'):
        init_default_scope(default)
        cls = MODELS.get(scoped)
        assert cls is not None and cls.__module__.startswith(scope), (default, scoped, cls)


def test_every_distribution_mimbench_imports_is_declared():
    """A package mimbench imports must be a dependency of its own in pyproject.toml, not arrive through
    another package's requirements (safetensors came only through timm; pillow through torchvision)."""
    import ast
    import importlib.metadata
    import re
    import sys
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    declared = {re.split(r'[<>=!~; \[]', d, maxsplit=1)[0].lower().replace('_', '-')
                for d in tomllib.loads((root / 'pyproject.toml').read_text())['project']['dependencies']}
    providers = importlib.metadata.packages_distributions()
    imported: dict[str, str] = {}
    for path in sorted((root / 'mimbench').rglob('*.py')):
        for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                     else [])
            for name in names:
                top = name.split('.')[0]
                if top != 'mimbench' and top not in sys.stdlib_module_names:
                    imported.setdefault(top, str(path.relative_to(root)))
    undeclared = {}
    for module, where in imported.items():
        dists = {d.lower().replace('_', '-') for d in providers.get(module, [module])}
        if not dists & declared:
            undeclared[module] = (sorted(dists), where)
    assert not undeclared, f'imported but not in pyproject.toml dependencies: {undeclared}'

