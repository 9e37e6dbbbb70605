"""Smoke twins: any full recipe, transfer or pre-training, shrunk to a CPU run of seconds, still itself.

A smoke run is not a recipe written beside the full one: it is the full recipe's resolved config plus the
overrides :func:`smoke_overrides` returns, so each smoke run exercises one particular recipe's values and a
new recipe needs no second file. ``mimbench evaluate --scale smoke``, ``mimbench pretrain --backbone
<family>-smoke``, the demo and the tests all go through here.

What changes (only the size of the run):

- **encoder**: its family's shared smoke size, the sizes mimbench's smoke checkpoints have
  (``mimbench.checkpoints.identify``): vit-smoke 96 wide x 4 blocks with 16-px patches, swin-smoke and
  mixmim-smoke 32 wide with depths (1, 1, 2, 1) and windows 4 (MixMIM: 4/4/4/2), resnet-smoke a ResNet-18
  (blocks 2, 2, 2, 2). Per-block settings are mapped onto the 4 ViT blocks (frozen blocks of partial
  fine-tuning keep their share; a probed block keeps its relative depth).
- **what reads the encoder** gets its widths (``in_channels`` of necks and heads); dense heads (FPN, RPN/RoI
  heads, UperNet/FCN) are 32 channels wide with fewer proposals; pre-training decoders are 64 wide and 2 deep,
  CiM's generator 96 wide; files a user brings become small random stand-ins (CiM's DALL-E tokenizer a
  ``mimbench.VQTokenizer``, a DALL-E target tokenizer 8 wide, iGPT's colour clusters 16 random centres).
- **data**: the task's generated data (``mimbench data make --root data/smoke``,
  ``mimbench.datasets.synthetic``) in the same on-disk format, read by the recipe's own dataset type. Every
  crop of the recipe's pipelines becomes 64 px and every resize of that pipeline scales with it
  (``ResizeEdge 256 / CenterCrop 224`` -> ``73 / 64``; LSJ's 1024 -> 64); heads predict the generated class
  count (4 image classes, COCO's 3 shapes, ADE20K's 150); batches of 8 (classification), 2 (COCO, ADE20K) or
  4 (pre-training); no worker processes.
- **schedule**: 2 iterations (transfer: ``IterBasedTrainLoop``, one evaluation at the end with the task's
  real metric and a result record; pre-training: one epoch of 2 batches, so checkpoints count epochs). Each
  scheduler keeps its type and parameters; where it begins and its milestones are placed by their position
  in the recipe's training (its start -> iteration 0, anything inside -> 1) and it runs to the end:
  iteration 0 trains at the warm-up's start value, iteration 1 at the recipe's lr where the warm-up ends and
  the main schedule takes over, after its step drops (``gamma`` once per milestone).
- **runtime**: fp32 ``OptimWrapper`` (``AmpOptimWrapper`` needs a GPU) around the same optimizer, logs every
  iteration, gloo, no checkpoint file for transfer runs (pre-training saves ``epoch_1.pth``: the encoder that
  ``mimbench evaluate`` loads); ``mimbench.scale='smoke'``, ``backbone='<family>-smoke'``,
  ``method='random'`` until a checkpoint is injected.

What is kept (what a smoke run checks): model, neck and head types and the feature each head reads
(``out_type``, ``in_index``), losses, the optimizer type and every optimizer value (lr, betas, weight decay,
clipping), the optimizer-wrapper constructor with its layer-decay rule and rate, scheduler types, the
augmentations (RandAugment, mixup, cutmix, random erasing, scale jitter at 64 px), dataset types, the
evaluator, and a pre-training method's own settings (masking ratio, targets, loss, sampling).

Use::

    from mimbench.smoke import load_smoke, smoke_overrides, write_smoke_config
    cfg = Config.fromfile(full); cfg.merge_from_dict(smoke_overrides(cfg))   # = load_smoke(full)
    write_smoke_config(full, 'work/smoke.py')   # `_base_ = [full]` + the overrides: readable, re-runnable
    # shell: python -m mimbench.smoke configs/transfer/coco/<recipe>.py smoke.py && mimbench train smoke.py
"""
from __future__ import annotations

import copy
from pathlib import Path

SIZE = 64          # the smoke image size (mimbench.datasets.synthetic.SIZE)
ITERS = 2          # training iterations of every smoke run
WIDTH = 32         # channels of dense heads and necks
# the shared smoke encoders (checkpoints of these sizes are what mimbench's smoke pre-training writes)
ENCODERS = {
    'vit': dict(arch=dict(embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384), patch_size=16,
                img_size=SIZE),
    'swin': dict(arch=dict(embed_dims=32, depths=[1, 1, 2, 1], num_heads=[1, 2, 4, 8]), img_size=SIZE,
                 window_size=4, pad_small_map=True),     # stage 4 is 2x2 at 64 px, smaller than a window
    'mixmim': dict(arch=dict(embed_dims=32, depths=[1, 1, 2, 1], num_heads=[1, 2, 4, 8]), img_size=SIZE,
                   window_size=[4, 4, 4, 2]),
    'resnet': dict(depth=18),
}
CHANNELS = {'vit': (96,) * 4, 'swin': (32, 64, 128, 256), 'mixmim': (32, 64, 128, 256),
            'resnet': (64, 128, 256, 512)}   # output channels of stage / block group 1..4
VIT_DEPTH = ENCODERS['vit']['arch']['num_layers']
SMOKE_TOKENIZER = dict(vocab_size=64, code_dims=16, channels=32, num_res_blocks=1)
TOKEN_PATCH = 16   # input pixels per visual token of CiM's smoke runs (cim.txt Table 9's patch size)
SMOKE_CLUSTERS = 16  # random colour centres standing in for iGPT's 512 (simmim.txt Sec. 3.4 ablation)
HELDOUT = 2        # held-out training images per class of a block-selecting probe (of 8 generated ones)
BATCH = {'mmpretrain': (8, 8), 'mmdet': (2, 2), 'mmseg': (2, 1), 'pretrain': (4, None)}   # train, val
DATA_ROOT = 'data/smoke'   # `mimbench data make --root data/smoke`; pre-training reads its in1k images
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
# the crop of a pipeline: the size every other size in that pipeline is scaled with
CROP_KEYS = {'RandomResizedCrop': 'scale', 'CenterCrop': 'crop_size', 'RandomCrop': 'crop_size',
             'Pad': 'size'}
SIZE_KEYS = ('scale', 'crop_size', 'size', 'input_size')
WIDTH_KEYS = ('in_channels', 'feat_channels', 'out_channels', 'conv_out_channels')   # of dense heads
_INF = 1e8         # mmengine's schedulers default to end=INF (1e9)


# --------------------------------------------------------------------------------------------- public API
def smoke_overrides(cfg) -> dict:
    """Config overrides (nested dicts, ``_delete_`` where a dict is replaced) that turn the resolved full
    recipe ``cfg`` (an mmengine ``Config`` or a plain dict) into its smoke twin."""
    full = cfg.to_dict() if hasattr(cfg, 'to_dict') else copy.deepcopy(dict(cfg))
    return _overrides(shrink(full), full)


def load_smoke(path, cfg_options: dict | None = None):
    """``Config.fromfile(path)`` with the smoke overrides merged in (then ``cfg_options``, dotted keys)."""
    from mmengine.config import Config

    cfg = Config.fromfile(str(path))
    cfg.merge_from_dict(smoke_overrides(cfg))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def write_smoke_config(full, dest, extra: dict | None = None, header: str = '') -> Path:
    """Write ``dest``: ``_base_ = [full]`` plus the smoke overrides (then ``extra``, nested dicts, on top).

    The file is what a user reads and re-runs by hand (``mimbench train DEST``); returns its path.
    """
    from mmengine.config import Config

    full = Path(full).resolve()
    body = merge(smoke_overrides(Config.fromfile(str(full))), extra or {})
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    head = header or f'# Smoke twin of {full.name} (mimbench.smoke): {SIZE} px data, {ITERS} iterations.\n'
    dest.write_text(f'{head}_base_ = [{str(full)!r}]\n\n{Config(body).pretty_text}')
    return dest


def merge(base: dict, top: dict, _whole: bool = False) -> dict:
    """Two sets of overrides as one: ``top`` merged into a copy of ``base`` (nested dicts key by key; a
    ``_delete_`` dict replaces, and inside a dict that ``base`` replaces whole, ``_delete_`` is dropped)."""
    out = copy.deepcopy(base)
    whole = _whole or bool(out.get('_delete_'))
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and not value.get('_delete_'):
            out[key] = merge(out[key], value, whole)
        else:
            out[key] = _without_delete(value) if whole else copy.deepcopy(value)
    return out


def _without_delete(value):
    if isinstance(value, dict):
        return {k: _without_delete(v) for k, v in value.items() if k != '_delete_'}
    return copy.deepcopy(value)


def encoder_family(backbone: dict | None) -> str | None:
    """'vit' | 'swin' | 'mixmim' | 'resnet' for an encoder config (by its type), None without a backbone."""
    if not backbone:
        return None
    kind = _kind(backbone)
    if kind == 'ViTMultiScale':
        return 'vit'
    for family, words in (('mixmim', ('MixMIM',)), ('swin', ('Swin',)), ('resnet', ('ResNet',)),
                          ('vit', ('ViT', 'VisionTransformer'))):
        if any(w in kind for w in words):
            return family
    raise ValueError(f'no smoke size for encoder type {backbone.get("type")!r}; mimbench.smoke shrinks ViT, '
                     'Swin, MixMIM and ResNet encoders (add the family to mimbench.smoke.ENCODERS)')


# --------------------------------------------------------------------------------------------- transform
def shrink(full: dict) -> dict:
    """The smoke twin of a resolved full recipe, as a plain dict (the input is not modified)."""
    missing = [key for key in ('model', 'train_cfg', 'train_dataloader', 'optim_wrapper') if key not in full]
    if missing:
        raise ValueError(f'it has no {", ".join(missing)}: a smoke twin is made from a whole recipe (a '
                         'config under configs/transfer/<task>/ or configs/pretrain/<method>/), not from a '
                         'base file')
    cfg = copy.deepcopy(full)
    meta = cfg.get('mimbench') or {}
    transfer = bool(meta.get('task'))
    total, epochs = _length(cfg['train_cfg'])
    cfg['param_scheduler'] = [_scheduler(s, total, epochs) for s in _as_list(cfg.get('param_scheduler'))]
    # transfer: 2 iterations then the evaluation; pre-training: one epoch of 2 iterations (the dataset is cut
    # to 2 batches), so that checkpoints and their provenance count epochs as every pre-training run does
    cfg['train_cfg'] = dict(type='IterBasedTrainLoop', max_iters=ITERS, val_interval=ITERS) if transfer \
        else dict(type='EpochBasedTrainLoop', max_epochs=1)
    _runtime(cfg, transfer)
    family = encoder_family(cfg['model'].get('backbone'))
    if transfer:
        _transfer(cfg, family, meta['task'])
    else:
        _pretrain(cfg, family)
    return cfg


def _transfer(cfg: dict, family: str, task: str) -> None:
    from mimbench.datasets.synthetic import COCO_CLASSES, generated_classes, generated_wnids
    from mimbench.transfer.tasks import TASKS

    scope = cfg.get('default_scope', 'mmpretrain')
    trained = TASKS[task].evaluates or task   # a test-only task (robustness) tests that task's classifier
    classes = generated_classes(trained)
    root = f'{DATA_ROOT}/{TASKS[trained].data_dir}/'
    extra = dict(metainfo=dict(classes=COCO_CLASSES)) if task == 'coco' else {}
    test = (root, extra)
    if trained != task:   # the classifier's outputs are the generated in1k classes; the test set covers some
        outputs, covered = generated_wnids(trained), generated_wnids(task)
        test = (f'{DATA_ROOT}/{TASKS[task].data_dir}/',
                dict(label_wnids=outputs, **({'subset': covered} if covered != outputs else {})))
    data = {'train_dataloader': (root, extra), 'val_dataloader': (root, extra), 'test_dataloader': test}
    ratio = _data(cfg, scope, data)
    model = cfg['model']
    depth = _vit_depth(model['backbone']) if family == 'vit' and _kind(model['backbone']) != 'ViTMultiScale' \
        else None
    channels = _encoder(model['backbone'], family)
    if _kind(model) == 'LayerProbeClassifier':   # a probe per block (simmim.txt Sec. 4.2), same depths
        model['blocks'] = sorted({_vit_block(b - 1, depth) + 1 for b in model['blocks']})
    probe = cfg.get('layer_probe')
    if probe:                                    # its held-out images come out of the 8 per generated class
        probe['heldout_per_class'] = min(probe.get('heldout_per_class', 10), HELDOUT)
    if scope == 'mmpretrain':
        _classifier(cfg, channels[-1], classes)
    elif scope == 'mmdet':
        _detector(model, channels, classes)
    elif scope == 'mmseg':
        _segmentor(model, channels, classes, ratio)
    else:
        raise ValueError(f'no smoke transform for default_scope {scope!r} (mmpretrain, mmdet, mmseg)')
    for key in ('val_evaluator', 'test_evaluator'):
        for evaluator in _as_list(cfg.get(key)):
            if 'topk' in evaluator:      # top-5 is undefined with 4 generated classes
                evaluator['topk'] = tuple(k for k in _as_list(evaluator['topk']) if k <= classes) or (1,)
            if 'ann_file' in evaluator and scope == 'mmdet':
                evaluator['ann_file'] = root + 'annotations/instances_val2017.json'
    meta = cfg['mimbench']
    meta.update(scale='smoke', backbone=f'{family}-smoke', method='random')
    if meta.get('resolution'):
        meta['resolution'] = None


def _pretrain(cfg: dict, family: str | None) -> None:
    loader = cfg['train_dataloader']
    pipeline = _scaled_pipeline(loader['dataset'].get('pipeline', []), None)[0]
    if _kind(cfg['model']) == 'VQTokenizerPretrainer':
        # a CiM tokenizer trains at the view CiM encodes, not at CiM's input: 112 px for 224 px (its config;
        # cim.txt Sec. 2.1, 8 px per token, one token per 16-px patch), so at smoke size 64 / 16 * 8 = 32 px
        view = SIZE // TOKEN_PATCH * 2 ** cfg['model']['tokenizer'].get('downsample_steps', 3)
        pipeline = _scaled(pipeline, view / SIZE, SIZE_KEYS)
    batch = BATCH['pretrain'][0]
    loader.update(batch_size=batch, num_workers=0, persistent_workers=False, pin_memory=False, drop_last=True)
    # any folder of images: every file under <data_root>/train (mimbench.pretrain.data_root_options)
    loader['dataset'] = dict(type='mmpretrain.CustomDataset', data_root=f'{DATA_ROOT}/in1k',
                             data_prefix='train', with_label=False, pipeline=pipeline,
                             indices=ITERS * batch)   # the first 2 batches of the folder: one epoch
    model = cfg['model']
    full_patch = (model.get('backbone') or {}).get('patch_size', 16)
    full_size = (model.get('backbone') or {}).get('img_size', cfg.get('img_size', 224))
    if family:
        channels = _encoder(model['backbone'], family)
        stride = 16 if family == 'vit' else 32          # of the last feature map
        for part in (model.get('neck'), model.get('head')):
            if part:
                _reader(part, channels[-1], stride, full_patch if family == 'vit' else None)
    if 'patch_size' in model and model['patch_size'] == full_patch and family == 'vit':
        model['patch_size'] = 16
    if 'num_masked' in model:       # CiM: the same share of the (64 / patch)^2 tokens (cim.txt Table 9)
        patch = model.get('patch_size', 16)
        share = (SIZE // patch) ** 2 / (full_size // full_patch) ** 2
        model['num_masked'] = tuple(max(1, round(n * share)) for n in model['num_masked'])
    if model.get('generator'):      # CiM's small BEiT
        model['generator'].update(embed_dims=96, num_heads=3, feedforward_channels=384, img_size=SIZE)
    if model.get('tokenizer'):
        tokenizer = model['tokenizer']
        if _kind(tokenizer) == 'VQTokenizer':
            tokenizer.update(SMOKE_TOKENIZER, checkpoint=None)
        else:                       # DALL-E's files are the user's to bring: a small random VQ tokenizer
            model['tokenizer'] = dict(type='mimbench.VQTokenizer', **SMOKE_TOKENIZER)
    head = model.get('head') or {}
    if _kind(head.get('tokenizer') or {}) == 'DALLETokenizer':   # a target tokenizer (BEiT-style ablations):
        head['tokenizer'].update(encoder_path=None, decoder_path=None, n_hid=8)   # random, narrow
    if head.get('clusters'):        # iGPT's colour clusters, also the user's file: 16 random centres
        neck = model.get('neck') or {}
        if neck.get('out_channels') == head.get('num_clusters', 512):   # the decoder predicts one of them
            neck['out_channels'] = SMOKE_CLUSTERS
        head.update(clusters=None, num_clusters=SMOKE_CLUSTERS)


# --------------------------------------------------------------------------------------------- encoder
def _encoder(backbone: dict, family: str) -> tuple[int, ...]:
    """Shrink ``backbone`` (in place) to its family's smoke size; return the channels of what it outputs."""
    if _kind(backbone) == 'ViTMultiScale':       # mimbench's plain-ViT adapter: 4 block groups, one each
        _encoder(backbone['vit'], 'vit')
        if backbone.get('out_indices') is not None:
            backbone['out_indices'] = None
        return CHANNELS['vit']
    full = copy.deepcopy(backbone)
    for key, value in ENCODERS[family].items():
        if key in ('arch', 'img_size') or _accepts(backbone, key):
            backbone[key] = copy.deepcopy(value)
    if family == 'vit' and (full.get('frozen_stages', 0) > 0 or 'out_indices' in full):
        depth = _vit_depth(full)
        if full.get('frozen_stages', 0) > 0:   # linear probing: all blocks; partial fine-tuning: same share
            frozen = full['frozen_stages']
            backbone['frozen_stages'] = VIT_DEPTH if frozen >= depth else \
                min(VIT_DEPTH - 1, max(1, round(frozen * VIT_DEPTH / depth)))
        if 'out_indices' in full:
            backbone['out_indices'] = [_vit_block(i, depth) for i in _as_list(full['out_indices'])]
    if family == 'swin' and isinstance(backbone.get('stage_cfgs'), (list, tuple)):
        # per-stage windows (a full-size window shrunk to a late stage's map): the smoke window in each
        window = ENCODERS['swin']['window_size']
        backbone['stage_cfgs'] = [_with_window(dict(stage), window) for stage in backbone['stage_cfgs']]
    elif family == 'swin' and ('block_cfgs' in (backbone.get('stage_cfgs') or {})
                               or not _accepts(backbone, 'window_size')):   # e.g. SimMIM's Swin: per stage
        backbone.setdefault('stage_cfgs', {}).setdefault('block_cfgs', {})['window_size'] = \
            ENCODERS['swin']['window_size']
    if family == 'mixmim' and backbone.get('block_windows'):
        backbone['block_windows'] = None     # stage 3 has 2 blocks; its 4x4 map is one window already
    if family == 'vit':
        return CHANNELS['vit']
    out = backbone['out_indices'] if 'out_indices' in backbone else _default(backbone, 'out_indices', (3,))
    return tuple(CHANNELS[family][i] for i in _as_list(out))


def _parameters(part: dict) -> dict | None:
    """The constructor parameters of the registered class of ``part`` (None when the registry lacks it)."""
    import inspect

    from mimbench.registry import MODELS
    cls = MODELS.get(part['type'])
    return None if cls is None else dict(inspect.signature(cls).parameters)


def _accepts(part: dict, argument: str) -> bool:
    parameters = _parameters(part)
    return parameters is None or argument in parameters or \
        any(p.kind == p.VAR_KEYWORD for p in parameters.values())


def _default(part: dict, argument: str, fallback):
    """The default of ``argument`` in the registered class of ``part`` (``fallback`` if it has none)."""
    parameter = (_parameters(part) or {}).get(argument)
    return fallback if parameter is None or parameter.default is parameter.empty else parameter.default


def _with_window(stage: dict, window: int) -> dict:
    """A Swin ``stage_cfgs`` entry with every window it sets (its own or its blocks') set to ``window``."""
    if 'window_size' in stage:
        stage['window_size'] = window
    if 'block_cfgs' in stage:
        stage['block_cfgs'] = dict(stage['block_cfgs'], window_size=window)
    return stage


def _vit_depth(backbone: dict) -> int:
    arch = backbone.get('arch', 'base')
    if isinstance(arch, dict):
        return arch['num_layers']
    from mmpretrain.models import VisionTransformer
    return VisionTransformer.arch_zoo[arch.lower()]['num_layers']


def _vit_block(index: int, depth: int) -> int:
    """Block ``index`` of a ``depth``-block ViT -> the block at the same relative depth of the smoke ViT."""
    if index < 0:
        return index
    return min(VIT_DEPTH - 1, max(0, round((index + 1) * VIT_DEPTH / depth) - 1))


def _reader(part: dict, channels: int, stride: int, full_patch: int | None) -> None:
    """A pre-training neck/head reading the encoder's last map: its widths, patch and decoder sizes."""
    for key in ('in_channels', 'embed_dim'):
        if key in part:
            part[key] = channels
    for key in ('patch_size', 'token_size'):
        if full_patch and part.get(key) == full_patch:
            part[key] = 16
    if 'num_patches' in part:
        part['num_patches'] = (SIZE // (part.get('encoder_stride') or part.get('patch_size') or stride)) ** 2
    sizes = dict(decoder_embed_dim=64, decoder_depth=2, decoder_num_heads=2)
    part.update({k: v for k, v in sizes.items() if k in part})


# --------------------------------------------------------------------------------------------- heads
def _classifier(cfg: dict, channels: int, classes: int) -> None:
    model = cfg['model']
    if model.get('neck') and 'in_channels' in model['neck']:
        model['neck']['in_channels'] = channels
    model['head'].update(in_channels=channels, num_classes=classes)
    for pre in (cfg.get('data_preprocessor'), model.get('data_preprocessor')):
        if pre and 'num_classes' in pre:     # mixup / cutmix labels
            pre['num_classes'] = classes


def _detector(model: dict, channels: tuple[int, ...], classes: int) -> None:
    model['neck'].update(in_channels=list(channels), out_channels=WIDTH)
    for key in ('rpn_head', 'roi_head'):
        _narrow(model.get(key), classes)
    caps = {('train_cfg', 'rpn_proposal', 'nms_pre'): 200, ('train_cfg', 'rpn_proposal', 'max_per_img'): 100,
            ('train_cfg', 'rcnn', 'sampler', 'num'): 64, ('test_cfg', 'rpn', 'nms_pre'): 200,
            ('test_cfg', 'rpn', 'max_per_img'): 50, ('test_cfg', 'rcnn', 'max_per_img'): 20}
    for path, cap in caps.items():
        node = model
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict) and path[-1] in node:
            node[path[-1]] = min(node[path[-1]], cap)


def _narrow(part, classes: int) -> None:
    """Dense-head widths -> ``WIDTH`` (fully connected layers 2x), classes -> the generated ones."""
    if isinstance(part, list):
        for p in part:
            _narrow(p, classes)
        return
    if not isinstance(part, dict):
        return
    for key, value in part.items():
        if key in WIDTH_KEYS and type(value) is int:
            part[key] = WIDTH
        elif key == 'fc_out_channels':
            part[key] = 2 * WIDTH
        elif key == 'num_classes':
            part[key] = classes
        else:
            _narrow(value, classes)


def _segmentor(model: dict, channels: tuple[int, ...], classes: int, ratio: float) -> None:
    for key in ('decode_head', 'auxiliary_head'):
        for head in _as_list(model.get(key)):
            index = head.get('in_index', -1)
            head['in_channels'] = [channels[i] for i in index] if isinstance(index, (list, tuple)) \
                else channels[index]
            # a head without convolutions (CiM's linear decoder) is a 1x1 conv: channels == in_channels
            head['channels'] = head['in_channels'] if head.get('num_convs', 1) == 0 else WIDTH
            head['num_classes'] = classes
    if (model.get('test_cfg') or {}).get('mode') == 'slide':
        model['test_cfg'] = _scaled(model['test_cfg'], ratio, ('crop_size', 'stride'))


# --------------------------------------------------------------------------------------------- data
def _data(cfg: dict, scope: str, data: dict) -> float:
    """Loaders -> the generated data at 64 px (``data``: loader -> (data root, more dataset fields)); returns
    the training pipeline's scale ratio."""
    train_batch, val_batch = BATCH[scope]
    ratio = None
    for key in LOADERS:
        loader = cfg.get(key)
        if not loader:
            continue
        dataset = loader['dataset']
        while 'pipeline' not in dataset and isinstance(dataset.get('dataset'), dict):   # dataset wrappers
            dataset = dataset['dataset']
        pipeline, pipeline_ratio = _scaled_pipeline(dataset.get('pipeline', []), ratio)
        ratio = ratio or pipeline_ratio
        root, extra = data[key]
        dataset.update(data_root=root, pipeline=pipeline, **copy.deepcopy(extra))
        loader.update(batch_size=train_batch if key == 'train_dataloader' else val_batch, num_workers=0,
                      persistent_workers=False, pin_memory=False)
    ratio = ratio or 1.0
    if cfg.get('tta_pipeline'):    # multi-scale test (mmseg --tta): its resizes are factors; scale the rest
        cfg['tta_pipeline'] = _scaled(cfg['tta_pipeline'], ratio, SIZE_KEYS)
    if cfg['model'].get('data_preprocessor'):    # e.g. mmseg's pad-to-crop size
        cfg['model']['data_preprocessor'] = _scaled(cfg['model']['data_preprocessor'], ratio, ('size',))
    return ratio


def _scaled_pipeline(pipeline: list, default: float | None) -> tuple[list, float | None]:
    """Scale every size of ``pipeline`` so that its (last) crop is 64 px; without a crop use ``default``."""
    crops = [t[CROP_KEYS[_kind(t)]] for t in pipeline
             if isinstance(t, dict) and _kind(t) in CROP_KEYS and t.get(CROP_KEYS[_kind(t)])]
    ratio = SIZE / max(_as_list(crops[-1])) if crops else default
    return (_scaled(pipeline, ratio, SIZE_KEYS) if ratio else pipeline), ratio


def _scaled(obj, ratio: float, keys: tuple[str, ...]):
    """A copy of ``obj`` with the integer sizes under ``keys`` (anywhere inside it) times ``ratio``."""
    if isinstance(obj, list):
        return [_scaled(o, ratio, keys) for o in obj]
    if isinstance(obj, tuple):
        return tuple(_scaled(o, ratio, keys) for o in obj)
    if not isinstance(obj, dict):
        return obj
    out = {}
    for key, value in obj.items():
        ints = _as_list(value) if isinstance(value, (int, list, tuple)) else []
        if key in keys and ints and all(type(v) is int for v in ints):
            size = [max(1, round(v * ratio)) for v in ints]
            out[key] = size[0] if type(value) is int else type(value)(size)
        else:
            out[key] = _scaled(value, ratio, keys)
    return out


# --------------------------------------------------------------------------------------------- schedule
def _length(train_cfg: dict) -> tuple[float, bool]:
    """(training length, counted in epochs?) of a train loop config."""
    if 'max_epochs' in train_cfg:
        return float(train_cfg['max_epochs']), True
    if 'max_iters' in train_cfg:
        return float(train_cfg['max_iters']), False
    raise ValueError(f'train_cfg {train_cfg} gives neither max_epochs nor max_iters')


def _scheduler(scheduler: dict, total: float, epoch_loop: bool) -> dict:
    """One scheduler placed on the smoke run's iterations (type and parameters kept).

    A point of the recipe's training maps to iteration 0 (its start), 1 (anything inside) or ``ITERS`` (its
    end or later); an iteration count inside an epoch-based recipe (a warm-up of N iterations) is inside.
    Every scheduler runs to the end of the smoke run, so a warm-up beginning at 0 reaches its end value on
    iteration 1, as mmengine's LinearLR does on the last iteration of its interval, where the next scheduler
    (beginning at 1) takes over: iteration 0 trains at the warm-up's start, iteration 1 at the recipe's lr
    after every step drop inside the run (each milestone kept, so ``gamma`` applies once per drop).
    """
    out = {k: v for k, v in scheduler.items() if k != 'convert_to_iter_based'}
    same_unit = scheduler.get('by_epoch', True) == epoch_loop

    def place(value: float) -> int:
        inside = 0 < value < _INF and (value < total or not same_unit)
        return 0 if value <= 0 else 1 if inside else ITERS

    begin = min(place(scheduler.get('begin', 0)), ITERS - 1)
    out.update(by_epoch=False, begin=begin, end=ITERS)
    if 'T_max' in scheduler:
        out['T_max'] = ITERS - begin
    if 'milestones' in scheduler:        # counted from begin (mmengine)
        start = scheduler.get('begin', 0)
        out['milestones'] = [max(0, place(start + m) - begin) for m in scheduler['milestones']]
    if 'step_size' in scheduler:
        out['step_size'] = 1
    return out


def _runtime(cfg: dict, transfer: bool) -> None:
    wrapper = cfg['optim_wrapper']
    if 'Amp' in wrapper.get('type', ''):
        cfg['optim_wrapper'] = {k: v for k, v in wrapper.items() if k not in ('dtype', 'loss_scale')}
    cfg['optim_wrapper']['type'] = 'OptimWrapper'
    hooks = cfg.setdefault('default_hooks', {})
    hooks['logger'] = dict(hooks.get('logger') or dict(type='LoggerHook'), interval=1)
    hooks['checkpoint'] = dict(type='CheckpointHook', by_epoch=False, interval=-1, save_last=False) \
        if transfer else dict(type='CheckpointHook', interval=1, max_keep_ckpts=1)   # epoch_1.pth
    cfg['log_processor'] = dict(cfg.get('log_processor') or {}, window_size=1, by_epoch=not transfer)
    env = cfg.setdefault('env_cfg', {})
    env['cudnn_benchmark'] = False
    env['dist_cfg'] = dict(env.get('dist_cfg') or {}, backend='gloo')
    if transfer:
        cfg['log_level'] = 'WARNING'


# --------------------------------------------------------------------------------------------- helpers
def _kind(part: dict) -> str:
    return str(part.get('type', '')).rsplit('.', 1)[-1]


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _overrides(new: dict, old: dict) -> dict:
    """What, merged into ``old`` by mmengine's rules, gives ``new``: changed keys only; a dict that lost keys
    or replaces a non-dict is written whole with ``_delete_=True``."""
    out = {}
    for key, value in new.items():
        if key not in old:
            out[key] = value
        elif isinstance(value, dict) and isinstance(old[key], dict) and set(old[key]) <= set(value):
            changed = _overrides(value, old[key])
            if changed:
                out[key] = changed
        elif isinstance(value, dict):
            out[key] = dict(_delete_=True, **value)
        elif value != old[key]:
            out[key] = value
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m mimbench.smoke RECIPE OUT``: write the smoke twin of any recipe file (transfer or
    pre-training) as ``OUT``, to read and to run with ``mimbench train OUT``."""
    import argparse

    parser = argparse.ArgumentParser(prog='python -m mimbench.smoke', description=main.__doc__)
    parser.add_argument('recipe', help='a full recipe, e.g. configs/transfer/coco/<recipe>.py')
    parser.add_argument('out', help='the smoke config to write')
    args = parser.parse_args(argv)
    if not Path(args.recipe).is_file():
        parser.error(f'recipe {args.recipe} does not exist; give a config file under configs/transfer or '
                     'configs/pretrain')
    try:
        print(write_smoke_config(args.recipe, args.out))
    except (ValueError, KeyError) as err:
        parser.error(f'{args.recipe} cannot be shrunk: {err}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
