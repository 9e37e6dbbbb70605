"""Official releases in, weights-only and labelled (issue 12), and corrupt or code-carrying files refused.

Files here are made in the official release layouts: the containers each project's ``save_checkpoint`` writes
(MAE/MixMIM ``{'model', 'optimizer', 'epoch', 'scaler', 'args'}`` with an ``argparse.Namespace``; SimMIM/Swin
``{'model', 'optimizer', 'lr_scheduler', 'max_accuracy', 'epoch', 'config'(, 'amp')}`` with a yacs
``CfgNode``; timm safetensors and ``train.py`` checkpoints; mmengine checkpoints of mmpretrain with a
MessageHub) and the releases' key names. The CfgNode is a stand-in class pickled under the real name
``yacs.config.CfgNode`` (a temporary ``yacs.config`` module while saving), as yacs defines it: a dict
subclass whose private flags live in ``__dict__``. Small models give real tensors; the base-size files hold
zero-stride tensors (a few bytes each on disk) with the real key sets and shapes.
"""
import argparse
import contextlib
import hashlib
import json
import re
import subprocess
import sys
import types

import pytest
import timm
import torch

import mimbench  # noqa: F401
from mimbench.checkpoints import load_backbone_checkpoint
from mimbench.checkpoints.facts import describe_checkpoint
from mimbench.checkpoints.formats import clear_cache, read_checkpoint
from mimbench.checkpoints.safe_load import CorruptCheckpointError, UnsafeCheckpointError
from mimbench.cli import main

VIT = dict(embed_dim=96, depth=4, num_heads=3)                            # vit-smoke (mimbench ids)
SWIN = dict(embed_dim=32, depths=(1, 1, 2, 1), num_heads=(1, 2, 4, 8))    # swin-smoke / mixmim-smoke


class CfgNode(dict):
    """yacs.config.CfgNode as far as pickling goes: a dict subclass with its flags in ``__dict__``."""

    def __init__(self, init=None):
        super().__init__(init or {})
        self.__dict__.update({'__immutable__': True, '__deprecated_keys__': set(), '__renamed_keys__': {},
                              '__new_allowed__': False})

    def __getattr__(self, name):
        if name in self:
            return self[name]
        raise AttributeError(name)


CfgNode.__module__, CfgNode.__qualname__ = 'yacs.config', 'CfgNode'


@contextlib.contextmanager
def pickled_as_yacs():
    """While saving, ``yacs.config.CfgNode`` resolves to the stand-in (pickle checks the name)."""
    package, module = types.ModuleType('yacs'), types.ModuleType('yacs.config')
    module.CfgNode = CfgNode
    sys.modules.update({'yacs': package, 'yacs.config': module})
    try:
        yield
    finally:
        sys.modules.pop('yacs', None)
        sys.modules.pop('yacs.config', None)


def cfg(tree: dict) -> CfgNode:
    return CfgNode({k: cfg(v) if isinstance(v, dict) else v for k, v in tree.items()})


def optimizer_state(params: int = 2) -> dict:
    """A real AdamW state dict after one step (nested tensors, tuples, None values)."""
    weights = [torch.nn.Parameter(torch.randn(3)) for _ in range(params)]
    optimizer = torch.optim.AdamW(weights, lr=1e-3, betas=(0.9, 0.95))
    sum(w.sum() for w in weights).backward()
    optimizer.step()
    return optimizer.state_dict()


def scheduler_state() -> dict:
    from timm.scheduler import CosineLRScheduler

    optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=1e-3)
    return CosineLRScheduler(optimizer, t_initial=100, warmup_t=10, warmup_lr_init=1e-6).state_dict()


SCALER = {'scale': 65536.0, 'growth_factor': 2.0, 'backoff_factor': 0.5, 'growth_interval': 2000,
          '_growth_tracker': 0}


def randomize(module):
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn_like(p) * 0.1 + (1.0 if p.ndim == 1 else 0.0))
    return module.eval()


def shaped(state: dict) -> dict:
    """Zero-stride stand-ins of ``state``'s tensors: the real names and shapes, one element on disk each."""
    return {k: torch.zeros((), dtype=v.dtype).expand(v.shape) for k, v in state.items()}


# ----------------------------------------------------------------------------- the release layouts

def vit_state(size: str) -> dict:
    if size == 'base':
        with torch.device('meta'):
            return shaped(timm.models.vision_transformer.VisionTransformer(num_classes=0).state_dict())
    model = timm.models.vision_transformer.VisionTransformer(img_size=64, patch_size=16, num_classes=0, **VIT)
    return dict(randomize(model).state_dict())


def mae_decoder(width: int, patches: int, size: str) -> dict:
    """MAE's pre-training decoder keys (models_mae.py): embed, mask token, pos embed, blocks, norm, pred."""
    dim, depth = (512, 8) if size == 'base' else (32, 1)
    with torch.device('meta'):
        block = timm.models.vision_transformer.Block(dim, 4, qkv_bias=True)
    out = {'mask_token': torch.zeros(1, 1, dim), 'decoder_embed.weight': torch.zeros(dim, width),
           'decoder_embed.bias': torch.zeros(dim), 'decoder_pos_embed': torch.zeros(1, patches + 1, dim),
           'decoder_norm.weight': torch.ones(dim), 'decoder_norm.bias': torch.zeros(dim),
           'decoder_pred.weight': torch.zeros(16 * 16 * 3, dim), 'decoder_pred.bias': torch.zeros(768)}
    for i in range(depth):
        out.update({f'decoder_blocks.{i}.{k}': v for k, v in shaped(block.state_dict()).items()})
    return out


def mae_release(path, size='smoke', model='mae_vit_base_patch16', epochs=800):
    """facebookresearch/mae util/misc.py save_model: checkpoint-799.pth of an 800-epoch pre-training."""
    state = vit_state(size)
    width = state['patch_embed.proj.weight'].shape[0]
    state.update(mae_decoder(width, 196 if size == 'base' else 16, size))
    args = argparse.Namespace(batch_size=64, epochs=epochs, accum_iter=1, model=model, input_size=224,
                              mask_ratio=0.75, norm_pix_loss=True, weight_decay=0.05, lr=None, blr=1.5e-4,
                              min_lr=0.0, warmup_epochs=40, data_path='/datasets01/imagenet_full_size/',
                              output_dir='./output_dir', log_dir='./output_dir', device='cuda', seed=0,
                              resume='', start_epoch=0, num_workers=10, pin_mem=True, world_size=64,
                              local_rank=-1, dist_on_itp=False, dist_url='env://', distributed=True, rank=0,
                              gpu=0, dist_backend='nccl')
    torch.save({'model': shaped(state) if size == 'base' else state, 'optimizer': optimizer_state(),
                'epoch': epochs - 1, 'scaler': SCALER, 'args': args}, path)
    return path


def swin_official(size: str, window: int = 6) -> dict:
    """An official Swin encoder (SimMIM models/swin_transformer.py names): merging at the end of a stage,
    relative position index buffers kept, as the releases hold them."""
    if size == 'base':
        with torch.device('meta'):
            model = timm.models.swin_transformer.SwinTransformer(
                img_size=192, window_size=window, embed_dim=128, depths=(2, 2, 18, 2),
                num_heads=(4, 8, 16, 32), num_classes=0)
        state = shaped(model.state_dict())
    else:
        model = timm.models.swin_transformer.SwinTransformer(img_size=128, window_size=4, num_classes=0,
                                                             **SWIN)
        state = dict(randomize(model).state_dict())
    out = {}
    for key, value in state.items():
        m = re.match(r'layers\.(\d+)\.downsample\.(.*)', key)
        out[f'layers.{int(m.group(1)) - 1}.downsample.{m.group(2)}' if m else key] = value
        if key.endswith('relative_position_bias_table'):
            side = int(value.shape[0] ** 0.5) // 2 + 1
            out[key.replace('bias_table', 'index')] = torch.zeros(side ** 2, side ** 2, dtype=torch.long)
    return out


def simmim_config(model_type: str, name: str, epochs: int = 800) -> CfgNode:
    """The parts of SimMIM's config.py a release's ``config`` holds (values of the Swin-B 800-epoch yaml)."""
    return cfg({'BASE': [''], 'DATA': {'BATCH_SIZE': 128, 'DATA_PATH': '', 'DATASET': 'imagenet',
                                       'IMG_SIZE': 192, 'MASK_PATCH_SIZE': 32, 'MASK_RATIO': 0.6},
                'MODEL': {'TYPE': model_type, 'NAME': name, 'RESUME': '', 'NUM_CLASSES': 1000,
                          'DROP_PATH_RATE': 0.0,
                          'SWIN': {'PATCH_SIZE': 4, 'EMBED_DIM': 128, 'DEPTHS': [2, 2, 18, 2],
                                   'NUM_HEADS': [4, 8, 16, 32], 'WINDOW_SIZE': 6, 'QK_SCALE': None,
                                   'APE': False},
                          'VIT': {'EMBED_DIM': 768, 'DEPTH': 12, 'INIT_VALUES': 0.1, 'USE_APE': False,
                                  'USE_RPB': False, 'USE_SHARED_RPB': True, 'USE_MEAN_POOLING': False}},
                'TRAIN': {'START_EPOCH': 0, 'EPOCHS': epochs, 'WARMUP_EPOCHS': 10, 'BASE_LR': 2e-4,
                          'LR_SCHEDULER': {'NAME': 'multistep', 'MULTISTEPS': [700], 'GAMMA': 0.1},
                          'OPTIMIZER': {'NAME': 'adamw', 'EPS': 1e-8, 'BETAS': (0.9, 0.999)}},
                'AMP_OPT_LEVEL': 'O1', 'OUTPUT': 'output/simmim_pretrain/simmim_pretrain__swin_base__800ep',
                'TAG': 'simmim_pretrain__swin_base__img192_window6__800ep', 'SEED': 0, 'EVAL_MODE': False})


def simmim_container(state: dict, config: CfgNode, epoch: int = 799) -> dict:
    """microsoft/SimMIM utils.py save_checkpoint (AMP_OPT_LEVEL O1 adds apex's 'amp' state)."""
    return {'model': state, 'optimizer': optimizer_state(), 'lr_scheduler': scheduler_state(),
            'max_accuracy': 0.0, 'epoch': epoch, 'config': config,
            'amp': {'loss_scaler0': {'loss_scale': 65536.0, 'unskipped': 0}}}


def simmim_swin_release(path, size='smoke'):
    encoder = swin_official(size)
    width = encoder['norm.weight'].shape[0]
    state = {f'encoder.{k}': v for k, v in encoder.items()}
    state.update({'encoder.mask_token': torch.zeros(1, 1, encoder['patch_embed.proj.weight'].shape[0]),
                  'decoder.0.weight': torch.zeros(32 * 32 * 3, width, 1, 1),
                  'decoder.0.bias': torch.zeros(3072)})
    with pickled_as_yacs():
        torch.save(simmim_container(shaped(state) if size == 'base' else state,
                                    simmim_config('swin', 'simmim_pretrain')), path)
    return path


def beit_encoder(size: str) -> dict:
    """SimMIM's ViT (BEiT layout, USE_SHARED_RPB): q/v biases, layer scale, one shared relative position
    table with its (persistent) index, no absolute position embedding; timm's Beit has these names."""
    from timm.models.beit import Beit

    kw = dict(use_abs_pos_emb=False, use_rel_pos_bias=False, use_shared_rel_pos_bias=True, init_values=0.1,
              num_classes=0, global_pool='avg', use_fc_norm=False)
    if size == 'base':
        with torch.device('meta'):
            state = shaped(Beit(img_size=224, **kw).state_dict())
        grid = 14
    else:
        state = dict(randomize(Beit(img_size=64, patch_size=16, **VIT, **kw)).state_dict())
        grid = 4
    tokens = grid ** 2 + 1
    state['rel_pos_bias.relative_position_index'] = torch.zeros(tokens, tokens, dtype=torch.long)
    return state


def simmim_vit_release(path, size='smoke'):
    encoder = beit_encoder(size)
    width = encoder['patch_embed.proj.weight'].shape[0]
    state = {f'encoder.{k}': v for k, v in encoder.items()}
    state.update({'encoder.mask_token': torch.zeros(1, 1, width),
                  'decoder.0.weight': torch.zeros(16 * 16 * 3, width, 1, 1),
                  'decoder.0.bias': torch.zeros(768)})
    with pickled_as_yacs():
        torch.save(simmim_container(shaped(state) if size == 'base' else state,
                                    simmim_config('vit', 'simmim_pretrain')), path)
    return path


def mixmim_release(path, size='smoke'):
    """Sense-X/MixMIM util/misc.py save_model: official encoder names (Swin's plus the fixed sin-cos
    ``absolute_pos_embed``), MAE-style decoder, ``args.model='mixmim_base'``."""
    encoder = {k: v for k, v in swin_official(size).items()}
    width = encoder['patch_embed.proj.weight'].shape[0]
    patches = 56 * 56 if size == 'base' else 32 * 32
    encoder['absolute_pos_embed'] = torch.zeros(1, patches, width)
    final = encoder['norm.weight'].shape[0]
    decoder = {k: v for k, v in mae_decoder(final, 49 if size == 'base' else 16, size).items()}
    decoder['decoder_pred.weight'] = torch.zeros(32 * 32 * 3, decoder['decoder_pred.weight'].shape[1])
    args = argparse.Namespace(batch_size=128, epochs=600, model='mixmim_base', input_size=224, mask_ratio=0.5,
                              norm_pix_loss=True, weight_decay=0.05, blr=1.5e-4, warmup_epochs=40,
                              output_dir='./output_dir', resume='', start_epoch=0)
    state = {**encoder, **decoder}
    torch.save({'model': shaped(state) if size == 'base' else state, 'optimizer': optimizer_state(),
                'epoch': 599, 'scaler': SCALER, 'args': args}, path)
    return path


def swin_supervised_release(path):
    """microsoft/Swin-Transformer utils.py save_checkpoint of a supervised run: no pre-training method."""
    with pickled_as_yacs():
        config = simmim_config('swin', 'swin_base_patch4_window7')
        torch.save({**simmim_container(swin_official('smoke'), config), 'scaler': SCALER}, path)
    return path


def timm_safetensors(path):
    from safetensors.torch import save_file

    save_file(vit_state('smoke'), str(path), metadata={'format': 'pt'})
    return path


def timm_train_checkpoint(path):
    """timm train.py CheckpointSaver: {'epoch', 'arch', 'state_dict', 'optimizer', 'version', 'args',
    'metric'}."""
    torch.save({'epoch': 299, 'arch': 'visiontransformer', 'state_dict': vit_state('smoke'),
                'optimizer': optimizer_state(), 'version': 2, 'metric': 81.2,
                'args': argparse.Namespace(model='vit_small_patch16_224', epochs=300, lr=5e-4, amp=True)},
               path)
    return path


def mmpretrain_mae_checkpoint(path):
    """An mmengine checkpoint of mmpretrain's MAE (meta.cfg text, MessageHub with a HistoryBuffer)."""
    from mmengine.logging.history_buffer import HistoryBuffer
    from mmpretrain.models import VisionTransformer

    vit = VisionTransformer(arch=dict(embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384),
                            img_size=64, patch_size=16)
    state = {f'backbone.{k}': v for k, v in vit.state_dict().items()}
    state.update({'neck.mask_token': torch.zeros(1, 1, 32), 'neck.decoder_embed.weight': torch.zeros(32, 96),
                  'neck.decoder_pred.weight': torch.zeros(768, 32)})
    buffer = HistoryBuffer()
    buffer.update(0.5)
    text = ("model = dict(type='MAE', backbone=dict(type='MAEViT', arch='b', mask_ratio=0.75), "
            "neck=dict(type='MAEPretrainDecoder'))\n"
            "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1600)\n")
    torch.save({'meta': {'cfg': text, 'epoch': 1600, 'iter': 500400, 'mmengine_version': '0.10.7',
                         'experiment_name': 'mae_vit-base-p16_8xb512-amp-coslr-1600e_in1k'},
                'state_dict': state,
                'message_hub': {'log_scalars': {'train/loss': buffer}, 'runtime_info': {}},
                'optimizer': optimizer_state()}, path)
    return path


SMOKE_RELEASES = {  # name: (builder, format, family, backbone, method, pre-training epochs)
    'mae': (mae_release, 'mae', 'vit', 'vit-smoke', 'mae', 800),
    'simmim-swin': (simmim_swin_release, 'simmim', 'swin', 'swin-smoke', 'simmim', 800),
    'simmim-vit': (simmim_vit_release, 'simmim', 'vit', 'vit-smoke', 'simmim', 800),
    'mixmim': (mixmim_release, 'mixmim', 'mixmim', 'mixmim-smoke', 'mixmim', 600),
    'swin-supervised': (swin_supervised_release, 'timm', 'swin', 'swin-smoke', None, None),
    'timm-safetensors': (timm_safetensors, 'timm', 'vit', 'vit-smoke', None, None),
    'timm-train': (timm_train_checkpoint, 'timm', 'vit', 'vit-smoke', None, None),
    'mmpretrain-mae': (mmpretrain_mae_checkpoint, 'mmpretrain', 'vit', 'vit-smoke', 'mae', 1600),
}
BASE_RELEASES = {
    'mae': (mae_release, 'vit-b', 'mae'),
    'simmim-swin': (simmim_swin_release, 'swin-b', 'simmim'),
    'simmim-vit': (simmim_vit_release, 'vit-b', 'simmim'),
    'mixmim': (mixmim_release, 'mixmim-b', 'mixmim'),
}


@pytest.fixture(scope='module')
def releases(tmp_path_factory):
    root = tmp_path_factory.mktemp('releases')
    torch.manual_seed(0)
    suffix = {'timm-safetensors': '.safetensors'}
    return {name: spec[0](root / f'{name}{suffix.get(name, ".pth")}')
            for name, spec in SMOKE_RELEASES.items()}


# ----------------------------------------------------------------------------- reading releases as data

@pytest.mark.parametrize('name', list(SMOKE_RELEASES))
def test_release_reads_weights_only_with_its_labels(releases, name):
    _, fmt, family, backbone, method, epochs = SMOKE_RELEASES[name]
    facts = describe_checkpoint(releases[name])
    assert (facts.format, facts.family, facts.backbone, facts.method) == (fmt, family, backbone, method)
    assert facts.pretrain.get('epochs') == epochs
    assert not facts.problems and facts.tensors > 0
    assert 'yacs' not in sys.modules  # the release's package was neither needed nor imported
    json.dumps(facts.to_dict())  # the stored config is plain data
    if name.startswith('simmim'):
        assert facts.config['MODEL']['NAME'] == 'simmim_pretrain' and facts.pretrain['epoch'] == 800
        assert facts.config['TRAIN']['OPTIMIZER']['BETAS'] == [0.9, 0.999]
        assert {'encoder.mask_token', 'decoder.0.weight'} <= set(facts.pretraining_only) or \
            {'mask_token', 'decoder.0.weight'} <= set(facts.pretraining_only)
    if name in ('mae', 'mixmim'):
        assert facts.config['model'] in ('mae_vit_base_patch16', 'mixmim_base')
        assert 'decoder_pred.weight' in facts.pretraining_only and 'mask_token' in facts.pretraining_only


@pytest.mark.parametrize('name', list(SMOKE_RELEASES))
def test_release_pretraining_epochs_reach_the_record_s_cost(releases, name):
    """The cost's pre-training epochs come from the same read as the facts, for releases too (SimMIM's and
    Swin's yacs containers, MAE's and MixMIM's arguments), and mean what the record's ``pretrain`` means."""
    from mimbench.cost import pretrain_cost
    from mimbench.evaluate import provenance_labels

    epochs = SMOKE_RELEASES[name][5]
    expected = provenance_labels(describe_checkpoint(releases[name])).get('pretrain', {}).get('epochs')
    assert expected == epochs
    cost = pretrain_cost(str(releases[name]), with_flops=False)
    assert cost == ({'pretrain_epochs': float(epochs)} if epochs else {})


def test_archive_written_by_torch_1_x_reads(releases, tmp_path):
    """Releases of 2021-22 were saved by torch 1.x: records under ``archive/``, no alignment records."""
    import zipfile

    old = tmp_path / 'torch1.pth'
    with zipfile.ZipFile(releases['mae']) as src, zipfile.ZipFile(old, 'w', zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            prefix, name = info.filename.split('/', 1)
            if name not in ('.format_version', '.storage_alignment', 'byteorder', '.data/serialization_id'):
                dst.writestr(f'archive/{name}', src.read(info.filename))
    facts = describe_checkpoint(old)
    assert (facts.format, facts.backbone, facts.method) == ('mae', 'vit-smoke', 'mae')
    expected = read_checkpoint(releases['mae'])['model']
    assert all(torch.equal(v, expected[k]) for k, v in read_checkpoint(old)['model'].items())


def test_release_container_values_arrive_as_data(releases):
    raw = read_checkpoint(releases['simmim-swin'])
    assert raw['config']['MODEL']['SWIN']['DEPTHS'] == [2, 2, 18, 2] and raw['epoch'] == 799
    assert raw['amp'] == {'loss_scaler0': {'loss_scale': 65536.0, 'unskipped': 0}}
    assert raw['optimizer']['param_groups'][0]['betas'] == (0.9, 0.95)
    raw = read_checkpoint(releases['mae'])
    assert isinstance(raw['args'], argparse.Namespace) and raw['args'].mask_ratio == 0.75
    raw = read_checkpoint(releases['mmpretrain-mae'])
    assert raw['message_hub']['log_scalars']['train/loss'].current() == 0.5


@pytest.mark.parametrize('name, module', [
    ('mae', 'vit'), ('simmim-swin', 'swin'), ('mixmim', 'mixmim'), ('timm-safetensors', 'vit'),
    ('timm-train', 'vit'), ('swin-supervised', 'swin'), ('simmim-vit', 'beit')])
def test_release_loads_into_its_backbone_with_the_config_in_the_report(releases, name, module):
    from mmpretrain.models import BEiTViT, MixMIMTransformer, SwinTransformer, VisionTransformer

    arch = dict(embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384)
    swin = dict(embed_dims=32, depths=[1, 1, 2, 1], num_heads=[1, 2, 4, 8])
    model = {'vit': lambda: VisionTransformer(arch=arch, img_size=64, patch_size=16),
             'beit': lambda: BEiTViT(arch=arch, img_size=64, patch_size=16, use_abs_pos_emb=False,
                                     use_rel_pos_bias=True, layer_scale_init_value=0.1),
             'swin': lambda: SwinTransformer(arch=swin, img_size=128, window_size=4),
             'mixmim': lambda: MixMIMTransformer(arch=swin, img_size=128, window_size=[4, 4, 4, 2])}[module]()
    report = load_backbone_checkpoint(model, releases[name])
    assert report.loaded and len(report.sha256) == 64
    assert report.method == SMOKE_RELEASES[name][4]
    json.dumps(report.config)
    if name == 'simmim-swin':
        assert report.config['MODEL']['TYPE'] == 'swin' and report.format == 'simmim'
    if name == 'mae':
        assert report.config['model'] == 'mae_vit_base_patch16'


# ----------------------------------------------------------------------------- refused, corrupt

class _RunsCode:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        import os
        return os.system, (f'touch {self.marker}',)


def test_code_pickles_are_refused_naming_the_object_and_run_nothing(tmp_path, capsys):
    marker = tmp_path / 'PWNED'
    path = tmp_path / 'crafted.pth'
    torch.save({'model': vit_state('smoke'), 'args': argparse.Namespace(model='mae_vit_base_patch16'),
                'extra': _RunsCode(marker)}, path)
    with pytest.raises(UnsafeCheckpointError) as err:
        read_checkpoint(path)
    message = str(err.value)
    assert 'system' in message and str(path) in message and '\x1b' not in message
    with pickled_as_yacs():  # a class under the allow-listed name still cannot smuggle a call
        CfgNode.__reduce__ = lambda self: (eval, ("__import__('os').system('touch %s')" % marker,))
        try:
            torch.save({'model': vit_state('smoke'), 'config': CfgNode()}, tmp_path / 'crafted-cfg.pth')
        finally:
            del CfgNode.__reduce__
    with pytest.raises(UnsafeCheckpointError, match='eval'):
        read_checkpoint(tmp_path / 'crafted-cfg.pth')
    evaluate = ['evaluate', '--checkpoint', str(path), '--scale', 'smoke', '--tasks', 'in1k', '--dry-run',
                '--work-dir', str(tmp_path / 'w')]
    for command in (['inspect', str(path)], evaluate):
        assert main(command) == 2
        captured = capsys.readouterr()
        text = captured.out + captured.err
        assert 'does not load: ' in ' '.join(text.split()) and 'Traceback' not in text and '\x1b' not in text
    assert not marker.exists()


def _corrupt_files(tmp_path) -> dict:
    good = tmp_path / 'good.pth'
    torch.save({'model': vit_state('smoke')}, good)
    data = good.read_bytes()
    files = {'empty': b'', 'truncated': data[: len(data) // 2], 'random': bytes(range(256)) * 40,
             'damaged': data[:40] + bytes(len(data) - 80) + data[-40:]}
    paths = {}
    for name, content in files.items():
        paths[name] = tmp_path / f'{name}.pth'
        paths[name].write_bytes(content)
    return paths


def test_corrupt_files_are_called_corrupt_with_size_and_expectation(tmp_path, capsys):
    expected = {'empty': 'is empty (0 bytes)', 'truncated': 'is truncated',
                'random': 'is not a checkpoint file', 'damaged': 'is corrupt'}
    for name, path in _corrupt_files(tmp_path).items():
        with pytest.raises(CorruptCheckpointError) as err:
            read_checkpoint(path)
        message = str(err.value)
        assert expected[name] in message and str(path) in message and 'expected' in message, message
        assert f'{path.stat().st_size:,} bytes' in message or name == 'empty'
        assert 'weights_only' not in message and 'objects other than tensors' not in message
        for command in (['inspect', str(path)], ['convert-checkpoint', str(path), str(tmp_path / 'o.pth')],
                        ['evaluate', '--checkpoint', str(path), '--scale', 'smoke', '--tasks', 'in1k',
                         '--dry-run', '--work-dir', str(tmp_path / 'w')]):
            assert main(command) == 2, (name, command)
            captured = capsys.readouterr()
            text = ' '.join((captured.out + captured.err).split())
            assert expected[name] in text and 'Traceback' not in text and '--backbone' not in text, text


# ----------------------------------------------------------------------------- labels from the file

def test_method_from_the_file_and_force_method(releases, tmp_path, capsys):
    from mmengine.config import Config

    common = ['--scale', 'smoke', '--tasks', 'in1k', '--dry-run']
    assert main(['evaluate', '--checkpoint', str(releases['mae']), *common,
                 '--work-dir', str(tmp_path / 'a')]) == 0
    derived = Config.fromfile(str(tmp_path / 'a' / 'mae_vit-smoke' / 'in1k' / 'in1k.py'))
    assert derived.mimbench.method == 'mae' and derived.mimbench.backbone == 'vit-smoke'
    assert derived.mimbench.pretrain == {'epochs': 800}
    capsys.readouterr()
    contradicting = ['evaluate', '--checkpoint', str(releases['mae']), '--method', 'simmim', *common]
    assert main([*contradicting, '--work-dir', str(tmp_path / 'b')]) == 2
    err = ' '.join(capsys.readouterr().err.split())
    assert '--method simmim contradicts' in err and "args.model='mae_vit_base_patch16'" in err
    assert '--force-method' in err and not (tmp_path / 'b').exists()
    assert main([*contradicting, '--force-method', '--work-dir', str(tmp_path / 'b')]) == 0
    assert (tmp_path / 'b' / 'simmim_vit-smoke' / 'in1k' / 'in1k.py').exists()
    assert main(['evaluate', '--checkpoint', str(releases['mae']), '--backbone', 'swin-smoke', *common,
                 '--work-dir', str(tmp_path / 'c')]) == 2
    assert 'contradicts the checkpoint' in capsys.readouterr().err
    # a file that names no method: the user's --method is the label
    assert main(['evaluate', '--checkpoint', str(releases['timm-train']), '--method', 'mae', *common,
                 '--work-dir', str(tmp_path / 'd')]) == 0


def test_provenance_epochs_and_variant_reach_the_derived_config(tmp_path):
    from mmengine.config import Config
    from mmpretrain.models import VisionTransformer

    vit = VisionTransformer(arch=dict(embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384),
                            img_size=64, patch_size=16)
    provenance = {'schema': 1, 'method': 'mae', 'backbone': 'vit-smoke', 'epochs': 400, 'epoch': 200,
                  'iter': 1000, 'variant': 'mask0.5', 'recipe': 'mae.txt Table 1', 'config': 'x.py'}
    path = tmp_path / 'epoch_200.pth'
    torch.save({'meta': {'mimbench': provenance}, 'state_dict': {f'backbone.{k}': v
                                                                 for k, v in vit.state_dict().items()}}, path)
    assert main(['evaluate', '--checkpoint', str(path), '--scale', 'smoke', '--tasks', 'ade20k,in1k',
                 '--dry-run', '--work-dir', str(tmp_path / 'w')]) == 0
    seg = Config.fromfile(str(tmp_path / 'w' / 'mae_vit-smoke' / 'ade20k' / 'ade20k.py')).mimbench
    assert seg.pretrain == {'epochs': 200, 'schedule_epochs': 400, 'recipe': 'mae.txt Table 1',
                            'variant': 'mask0.5'}
    assert seg.note == 'pre-training checkpoint at epoch 200 of 400'
    cls = Config.fromfile(str(tmp_path / 'w' / 'mae_vit-smoke' / 'in1k' / 'in1k.py')).mimbench
    assert cls.variant == 'mask0.5'

    # a transfer template's own variant (CiM's light heads) is kept, joined into one id
    from mimbench.evaluate import _with_template_variant
    from mimbench.transfer.tasks import CONFIG_ROOT

    meta = {'variant': 'mask0.5'}
    _with_template_variant(CONFIG_ROOT / 'ade20k' / 'fcn_resnet-50-d8_cim-revdet_8xb2-80k_ade20k.py', meta)
    assert meta == {'variant': 'fcn-80k+mask0.5'}

    # recorded ids that are not ids (they would become parts of file names) are not used as labels
    provenance.update(method='../../mae', variant='mask 0.5')
    torch.save({'meta': {'mimbench': provenance}, 'state_dict': {f'backbone.{k}': v
                                                                 for k, v in vit.state_dict().items()}}, path)
    assert main(['evaluate', '--checkpoint', str(path), '--scale', 'smoke', '--tasks', 'in1k', '--dry-run',
                 '--work-dir', str(tmp_path / 'x')]) == 0
    odd = Config.fromfile(str(tmp_path / 'x' / 'unknown_vit-smoke' / 'in1k' / 'in1k.py')).mimbench
    assert odd.method == 'unknown' and 'variant' not in odd and "variant 'mask 0.5'" in odd.note


def test_base_size_releases_plan_with_their_backbone_and_method(tmp_path, capsys):
    from mmengine.config import Config

    for name, (builder, backbone, method) in BASE_RELEASES.items():
        path = builder(tmp_path / f'{name}-base.pth', size='base')
        assert path.stat().st_size < 2_000_000  # zero-stride tensors
        assert main(['inspect', str(path), '--no-sha256']) == 0
        out = capsys.readouterr().out
        assert re.search(rf'backbone\s+{backbone}\n', out) and re.search(rf'method\s+{method} \(', out), out
        assert main(['evaluate', '--checkpoint', str(path), '--tasks', 'in1k', '--dry-run',
                     '--work-dir', str(tmp_path / name)]) == 0, capsys.readouterr().err
        derived = Config.fromfile(str(tmp_path / name / f'{method}_{backbone}' / 'in1k' / 'in1k.py'))
        assert (derived.mimbench.method, derived.mimbench.backbone) == (method, backbone)
        capsys.readouterr()
        if name == 'simmim-vit':  # BEiT's layout: SimMIM's ImageNet recipe (BEiTViT) is the one that takes it
            assert derived.model.backbone.type == 'mmpretrain.BEiTViT'
            assert re.search(r"  coco\s+no recipe: a ViT in BEiT's layout .* mmpretrain.BEiTViT", out)
            assert '--tasks in1k' in out.split('evaluate with:')[1]
            assert main(['evaluate', '--checkpoint', str(path), '--tasks', 'coco,in1k', '--dry-run',
                         '--work-dir', str(tmp_path / 'x')]) == 2
            err = ' '.join(capsys.readouterr().err.split())
            assert 'no recipe for it for task(s) coco' in err
            assert 'Run the tasks that have one: --tasks in1k' in err


def test_own_simmim_vit_b_checkpoint_takes_simmim_s_vit_b_recipe(tmp_path, capsys):
    """mimbench's SimMIM ViT-B pre-training builds the release's encoder (BEiT's layout): inspect and evaluate
    plan SimMIM's own ViT-B fine-tuning recipe for it, with no borrowed-recipe note."""
    from mmengine.config import Config

    from mimbench.registry import MODELS

    full = Config.fromfile('configs/pretrain/simmim/simmim_vit-base-p16_8xb256-coslr-800e_in1k.py')
    with torch.device('meta'):
        state = shaped(MODELS.build(full.model).state_dict())
    provenance = {'schema': 1, 'method': 'simmim', 'backbone': 'vit-b', 'epochs': 800, 'epoch': 800,
                  'recipe': 'simmim.txt Sec. 4.2'}
    path = tmp_path / 'epoch_800.pth'
    torch.save({'meta': {'mimbench': provenance}, 'state_dict': state}, path)
    assert main(['inspect', str(path), '--no-sha256']) == 0
    out = capsys.readouterr().out
    assert re.search(r'  in1k +configs/transfer/in1k/finetune_vit-base-p16_simmim_8xb256-100e_in1k', out), out
    assert main(['evaluate', '--checkpoint', str(path), '--tasks', 'in1k', '--dry-run',
                 '--work-dir', str(tmp_path / 'w')]) == 0, capsys.readouterr().err
    derived = Config.fromfile(str(tmp_path / 'w' / 'simmim_vit-b' / 'in1k' / 'in1k.py'))
    assert derived.model.backbone.type == 'mmpretrain.BEiTViT'
    assert (derived.mimbench.method, derived.mimbench.recipe) == ('simmim', 'simmim configs/vit_base__800ep')
    assert 'does not fit' not in derived.mimbench.get('note', '')
    assert 'does not fit' not in capsys.readouterr().out


def test_simmim_vit_b_checkpoint_in_vit_layout_uses_a_recipe_its_layout_fits(tmp_path, capsys):
    """A SimMIM ViT-B in ViT's layout (absolute position embedding: mimbench's own before it built the
    release's encoder), while SimMIM's release recipe builds BEiT's: ImageNet fine-tuning then uses the
    backbone's default recipe, and says so."""
    from mmengine.config import Config

    from mimbench.checkpoints.convert import vit_from_timm

    encoder = vit_from_timm(vit_state('base'))
    provenance = {'schema': 1, 'method': 'simmim', 'backbone': 'vit-b', 'epochs': 800, 'epoch': 800}
    path = tmp_path / 'epoch_800.pth'
    state = {f'backbone.{k}': v for k, v in encoder.items()}
    torch.save({'meta': {'mimbench': provenance}, 'state_dict': state}, path)
    assert main(['evaluate', '--checkpoint', str(path), '--tasks', 'in1k', '--dry-run',
                 '--work-dir', str(tmp_path / 'w')]) == 0, capsys.readouterr().err
    derived = Config.fromfile(str(tmp_path / 'w' / 'simmim_vit-b' / 'in1k' / 'in1k.py'))
    assert derived.model.backbone.type == 'mmpretrain.VisionTransformer'
    assert derived.mimbench.method == 'simmim'
    assert 'builds an encoder this checkpoint does not fit' in derived.mimbench.note
    assert main(['inspect', str(path), '--no-sha256']) == 0
    assert re.search(r'  in1k +configs/transfer/in1k/finetune_vit-base-p16_mae_', capsys.readouterr().out)


# ----------------------------------------------------------------------------- inspect, one read, python -m

def test_inspect_tells_what_the_file_holds_and_how_to_evaluate_it(releases, capsys):
    from mimbench.transfer.tasks import TASKS, task_config

    path = releases['simmim-swin']
    assert main(['inspect', str(path)]) == 0
    out = capsys.readouterr().out
    assert hashlib.sha256(path.read_bytes()).hexdigest() in out
    for line in ('format +simmim \\(', 'family +swin\n', 'backbone +swin-smoke\n',
                 r"method +simmim \(stored SimMIM config \(config.MODEL.NAME='simmim_pretrain'\)\)",
                 'pre-training +800 epochs, saved after epoch 800'):
        assert re.search(line, out), (line, out)
    assert 'pre-training only ' in out and 'decoder.0.weight' in out and 'mask_token' in out
    assert re.search(r'tensors\s+\d+ \(', out)
    for task in TASKS:
        try:
            recipe = task_config(task, 'swin-smoke', 'smoke', method='simmim').split('/')[-1]
        except ValueError:   # no Swin recipe for this task (robustness: ViTs only), so no smoke twin
            recipe = 'no recipe'
        assert re.search(rf'  {task}\s+.*{recipe}', out), task
    assert f'mimbench evaluate --checkpoint {path} --scale smoke' in out
    assert main(['inspect', str(releases['timm-train']), '--json']) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts['method'] is None and facts['command'].endswith('--method METHOD')
    assert facts['config']['model'] == 'vit_small_patch16_224' and len(facts['sha256']) == 64


def test_one_read_per_file_serves_planning_inspect_and_the_loader(releases, tmp_path, monkeypatch, capsys):
    from mmpretrain.models import VisionTransformer

    reads = []
    real_load = torch.load

    def counting_load(f, *args, **kwargs):
        reads.append(str(f))
        return real_load(f, *args, **kwargs)

    monkeypatch.setattr(torch, 'load', counting_load)
    clear_cache()
    path = str(releases['mae'])
    assert main(['evaluate', '--checkpoint', path, '--scale', 'smoke', '--tasks', 'all', '--dry-run',
                 '--work-dir', str(tmp_path / 'w')]) == 0
    assert reads.count(path) == 1, reads
    assert main(['inspect', path]) == 0
    model = VisionTransformer(arch=dict(embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384),
                              img_size=64, patch_size=16)
    report = load_backbone_checkpoint(model, path)
    assert reads.count(path) == 1 and report.method == 'mae'
    path_copy = tmp_path / 'copy.pth'  # another file version is read anew
    path_copy.write_bytes(releases['mae'].read_bytes())
    describe_checkpoint(path_copy)
    assert reads.count(str(path_copy)) == 1


def test_python_dash_m_is_the_mimbench_command(releases, capsys):
    assert main(['inspect', str(releases['mixmim']), '--json', '--no-sha256']) == 0
    expected = json.loads(capsys.readouterr().out)
    done = subprocess.run([sys.executable, '-m', 'mimbench', 'inspect', str(releases['mixmim']), '--json',
                           '--no-sha256'], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == expected


def test_leaderboards_default_under_the_work_dir(tmp_path, monkeypatch):
    import mimbench.evaluate as evaluate

    written = []
    monkeypatch.setattr(evaluate, 'run_tasks', lambda *a, **k: [])
    monkeypatch.setattr(evaluate, 'check_data', lambda *a, **k: None)
    monkeypatch.setattr(evaluate, '_leaderboards', lambda work, out: written.append(out) or {})
    assert main(['evaluate', '--checkpoint', 'none', '--backbone', 'vit-smoke', '--scale', 'smoke',
                 '--tasks', 'in1k', '--work-dir', str(tmp_path / 'w')]) == 0
    assert main(['evaluate', '--checkpoint', 'none', '--backbone', 'vit-smoke', '--scale', 'smoke',
                 '--tasks', 'in1k', '--work-dir', str(tmp_path / 'w'),
                 '--leaderboard-dir', str(tmp_path / 'lb')]) == 0
    assert written == [tmp_path / 'w' / 'leaderboards', tmp_path / 'lb']
