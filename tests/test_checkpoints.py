"""Checkpoint formats -> mmpretrain backbones: conversion, interpolation, loud failures, arrival downstream.

Foreign layouts are built here from small models: timm's own ViT/Swin/ResNet (whose names MAE and the
official Swin share), re-packed as the releases pack them (MAE ``{'model', 'args'}``, SimMIM
``encoder.``/``decoder.``, MixMIM official names). Where a reference implementation exists (timm), the
loaded mmpretrain backbone must compute the same features: that checks names *and* layouts (qkv bias,
layer scale, patch-merging channel order).
"""
import argparse
import re

import pytest
import timm
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mimbench.checkpoints  # noqa: F401  (registers mimbench.Pretrained)
from mimbench.checkpoints import CheckpointMismatchError, load_backbone_checkpoint
from mimbench.checkpoints.convert import merging_norm_to_unfold, merging_weight_to_unfold
from mimbench.checkpoints.formats import detect_format
from mimbench.checkpoints.interpolate import geometric_offsets, resize_pos_embed, resize_rel_pos_table

torch.manual_seed(0)
VIT_ARCH = dict(embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384)
SWIN_ARCH = dict(embed_dims=32, depths=[1, 1, 2, 1], num_heads=[1, 2, 4, 8])


def mm_vit(**kw):
    from mmpretrain.models import VisionTransformer
    return evaluating(VisionTransformer(arch=VIT_ARCH, img_size=kw.pop('img_size', 64), patch_size=16, **kw))


def mm_swin(**kw):
    from mmpretrain.models import SwinTransformer
    return evaluating(SwinTransformer(arch=SWIN_ARCH, img_size=kw.pop('img_size', 64),
                                      window_size=kw.pop('window_size', 4), **kw))


def mm_mixmim(**kw):
    from mmpretrain.models import MixMIMTransformer
    return evaluating(MixMIMTransformer(arch=SWIN_ARCH, img_size=64, window_size=[4, 4, 4, 2], **kw))


def timm_vit(**kw):
    return timm.models.vision_transformer.VisionTransformer(
        img_size=64, patch_size=16, embed_dim=96, depth=4, num_heads=3, mlp_ratio=4, num_classes=10,
        **kw).eval()


def evaluating(module):
    module.eval()  # some mmpretrain backbones' train() returns None, so no chaining
    return module


def randomize(module):
    """Non-default values everywhere (norms included) so a missed tensor cannot pass by accident."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn_like(p) * 0.1 + (1.0 if p.ndim == 1 else 0.0))
    return module


def image(size=64):
    return torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(1))


def assert_same_state(module, reference: dict):
    state = module.state_dict()
    for key, value in reference.items():
        assert torch.equal(state[key], value), key


# ----------------------------------------------------------------------------- formats: ViT family

def test_mae_release_loads_and_computes_timm_features(tmp_path):
    ref = randomize(timm_vit())
    state = dict(ref.state_dict())
    state.update({'mask_token': torch.randn(1, 1, 64), 'decoder_embed.weight': torch.randn(64, 96),
                  'decoder_pos_embed': torch.randn(1, 17, 64),
                  'decoder_blocks.0.norm1.weight': torch.ones(64),
                  'decoder_norm.weight': torch.ones(64), 'decoder_pred.weight': torch.randn(768, 64)})
    path = tmp_path / 'mae_pretrain.pth'
    torch.save({'model': state, 'args': argparse.Namespace(model='mae_vit_smoke'), 'epoch': 3}, path)

    model = mm_vit(out_type='raw')
    report = load_backbone_checkpoint(model, path)
    assert report.format == 'mae' and report.family == 'vit' and len(report.sha256) == 64
    assert 'mask_token' in report.dropped and 'decoder_pred.weight' in report.dropped
    assert 'head.weight' in report.dropped
    assert len(report.loaded) == len(model.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(model(image())[0], ref.forward_features(image()), rtol=1e-4, atol=1e-4)


def test_simmim_vit_qv_bias_and_layer_scale():
    ref = randomize(timm_vit(init_values=0.1))
    with torch.no_grad():  # BEiT-style attention has no k bias
        for blk in ref.blocks:
            blk.attn.qkv.bias[96:192] = 0
    state = {}
    for key, value in ref.state_dict().items():
        m = re.match(r'blocks\.(\d+)\.attn\.qkv\.bias', key)
        if m:
            state[f'encoder.blocks.{m.group(1)}.attn.q_bias'] = value[:96]
            state[f'encoder.blocks.{m.group(1)}.attn.v_bias'] = value[192:]
            continue
        key = re.sub(r'\.ls([12])\.gamma$', r'.gamma_\1', key)
        state[f'encoder.{key}'] = value
    state.update({'encoder.mask_token': torch.zeros(1, 1, 96), 'decoder.0.weight': torch.randn(768, 96, 1, 1),
                  'decoder.0.bias': torch.randn(768)})
    ckpt = {'model': state}
    assert detect_format(ckpt) == 'simmim'
    model = mm_vit(out_type='raw', layer_scale_init_value=0.5)
    report = load_backbone_checkpoint(model, ckpt)
    assert {'decoder.0.weight', 'decoder.0.bias', 'mask_token'} <= set(report.dropped)
    with torch.no_grad():
        torch.testing.assert_close(model(image())[0], ref.forward_features(image()), rtol=1e-4, atol=1e-4)


def test_timm_vit_global_pool_fine_tuned_checkpoint_into_avg_featmap_vit():
    """MAE fine-tuned checkpoints have fc_norm (no norm): it becomes mmpretrain's pooled ln2."""
    ref = randomize(timm_vit(global_pool='avg', fc_norm=True))
    assert 'fc_norm.weight' in ref.state_dict() and 'norm.weight' not in ref.state_dict()
    model = mm_vit(out_type='avg_featmap', final_norm=False)
    report = load_backbone_checkpoint(model, dict(ref.state_dict()))
    assert report.format == 'timm' and 'ln2.weight' in report.loaded
    assert torch.equal(model.ln2.weight, ref.fc_norm.weight)


# ----------------------------------------------------------------------------- Swin / MixMIM family

def test_patch_merging_permutation_matches_concatenation_order():
    from mmpretrain.models.utils import PatchMerging
    x = torch.randn(2, 16, 8)  # [N, H*W, C] with H = W = 4
    mm = PatchMerging(in_channels=8, out_channels=16, norm_cfg=None, bias=False)
    weight = torch.randn(16, 32)
    grid = x.view(2, 4, 4, 8)
    cat = torch.cat([grid[:, 0::2, 0::2], grid[:, 1::2, 0::2], grid[:, 0::2, 1::2], grid[:, 1::2, 1::2]], -1)
    expected = cat.view(2, 4, 32) @ weight.T
    with torch.no_grad():
        mm.reduction.weight.copy_(merging_weight_to_unfold(weight))
        out, _ = mm(x, (4, 4))
    torch.testing.assert_close(out, expected)
    norm = torch.arange(32.)
    assert merging_norm_to_unfold(norm).view(8, 4)[1].tolist() == [1., 17., 9., 25.]


def _timm_swin():
    # 128²: at the smoke size 64² the last stage (2x2) is smaller than the window (4); timm then shrinks the
    # window (and its table) while mmpretrain refuses or pads, so features are compared at 128².
    return randomize(timm.models.swin_transformer.SwinTransformer(
        img_size=128, patch_size=4, window_size=4, embed_dim=32, depths=(1, 1, 2, 1), num_heads=(1, 2, 4, 8),
        num_classes=10)).eval()


def _official_swin_names(timm_state: dict) -> dict:
    """timm >= 0.9 Swin -> the official (SimMIM) layout: merging at the end of the previous stage."""
    out = {}
    for key, value in timm_state.items():
        m = re.match(r'layers\.(\d+)\.downsample\.(.*)', key)
        key = f'layers.{int(m.group(1)) - 1}.downsample.{m.group(2)}' if m else key
        out[key.replace('head.fc.', 'head.')] = value
    return out


def test_timm_swin_loads_and_computes_same_features():
    ref = _timm_swin()
    model = mm_swin(out_indices=(3,), img_size=128)
    report = load_backbone_checkpoint(model, dict(ref.state_dict()))
    assert report.family == 'swin' and 'stages.0.downsample.reduction.weight' in report.loaded
    with torch.no_grad():
        expected = ref.forward_features(image(128)).permute(0, 3, 1, 2)  # NHWC -> NCHW
        torch.testing.assert_close(model(image(128))[0], expected, rtol=1e-4, atol=1e-4)


def test_simmim_swin_release_into_multiscale_swin():
    ref = _timm_swin()
    state = {f'encoder.{k}': v for k, v in _official_swin_names(ref.state_dict()).items()}
    state['encoder.mask_token'] = torch.zeros(1, 1, 32)
    state['encoder.layers.0.blocks.0.attn.relative_position_index'] = torch.zeros(16, 16, dtype=torch.long)
    state['decoder.0.weight'] = torch.randn(3072, 256, 1, 1)
    model = mm_swin(out_indices=(0, 1, 2, 3), img_size=128)
    report = load_backbone_checkpoint(model, {'model': state}, format='simmim')
    assert {'norm0.weight', 'norm1.weight', 'norm2.weight'} <= set(report.new)
    assert 'norm3.weight' in report.loaded and 'decoder.0.weight' in report.dropped
    with torch.no_grad():
        expected = ref.forward_features(image(128)).permute(0, 3, 1, 2)
        torch.testing.assert_close(model(image(128))[3], expected, rtol=1e-4, atol=1e-4)


def _mixmim_official_names(mm_state: dict) -> dict:
    """mmpretrain MixMIM -> Sense-X/MixMIM names (inverse of the conversion, written independently)."""
    inverse = [2 * (i % 2) + i // 2 for i in range(4)]  # unfold slot -> concat group is its own inverse

    out = {}
    for key, value in mm_state.items():
        key = key.replace('patch_embed.projection.', 'patch_embed.proj.').replace('.ln1.', '.norm1.')
        key = key.replace('.ln2.', '.norm2.').replace('ffn.layers.0.0.', 'mlp.fc1.')
        key = key.replace('ffn.layers.1.', 'mlp.fc2.')
        if '.downsample.' in key:
            if value.ndim == 2:
                c_out, c_in = value.shape
                value = value.reshape(c_out, c_in // 4, 4)[:, :, inverse].transpose(1, 2).reshape(c_out, c_in)
            else:
                value = value.reshape(-1, 4)[:, inverse].T.reshape(-1)
        out[key] = value
    return out


def test_mixmim_release_round_trip(tmp_path):
    src = randomize(mm_mixmim())
    state = _mixmim_official_names(src.state_dict())
    state.update({'mask_token': torch.zeros(1, 1, 64), 'decoder_embed.weight': torch.randn(64, 256),
                  'decoder_blocks.0.attn.qkv.weight': torch.randn(192, 64),
                  'decoder_pos_embed': torch.randn(1, 4, 64)})
    assert 'layers.0.downsample.reduction.weight' in state and 'layers.0.blocks.0.norm1.weight' in state
    path = tmp_path / 'mixmim.pth'
    torch.save({'model': state}, path)
    model = mm_mixmim()
    report = load_backbone_checkpoint(model, path)
    assert report.format == 'mixmim' and report.family == 'mixmim'
    expected = {k: v for k, v in src.state_dict().items() if 'relative_position_index' not in k}
    assert_same_state(model, expected)


# ----------------------------------------------------------------------------- ResNet, mmpretrain, mimbench

def test_timm_resnet_into_mmpretrain_resnet():
    from mmpretrain.models import ResNet
    ref = randomize(timm.create_model('resnet18', pretrained=False, num_classes=10)).eval()
    model = evaluating(ResNet(depth=18))
    report = load_backbone_checkpoint(model, dict(ref.state_dict()), format='timm')
    assert 'fc.weight' in report.dropped
    with torch.no_grad():
        torch.testing.assert_close(model(image())[-1], ref.forward_features(image()), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize('fmt', ['mmpretrain', 'mimbench'])
def test_mmengine_container_with_backbone_prefix(tmp_path, fmt):
    src = randomize(mm_vit())
    state = {f'backbone.{k}': v for k, v in src.state_dict().items()}
    state.update({'neck.decoder_embed.weight': torch.randn(8, 96), 'head.loss.weight': torch.ones(1)})
    meta = {'cfg': "model = dict(type='mimbench.MAE')"} if fmt == 'mimbench' else {'cfg': "type='MAE'"}
    path = tmp_path / 'epoch_1.pth'
    torch.save({'meta': meta, 'state_dict': state}, path)
    model = mm_vit()
    report = load_backbone_checkpoint(model, path)
    assert report.format == fmt
    assert set(report.dropped) == {'neck.decoder_embed.weight', 'head.loss.weight'}
    assert_same_state(model, src.state_dict())


# ----------------------------------------------------------------------------- interpolation

def test_pos_embed_and_rel_table_interpolation():
    pos = torch.randn(1, 1 + 16, 8)
    out = resize_pos_embed(pos, (6, 6), num_extra_tokens=1)
    assert out.shape == (1, 37, 8) and torch.equal(out[:, 0], pos[:, 0])
    grid = pos[:, 1:].reshape(1, 4, 4, 8).permute(0, 3, 1, 2)
    expected = torch.nn.functional.interpolate(grid, size=(6, 6), mode='bicubic', align_corners=False)
    torch.testing.assert_close(out[:, 1:], expected.permute(0, 2, 3, 1).reshape(1, 36, 8))
    const = resize_rel_pos_table(torch.full((49, 2), 3.0), (2, 2))  # window 4 -> 2
    assert const.shape == (9, 2) and torch.allclose(const, torch.full((9, 2), 3.0))


def test_geometric_rel_table_resize_follows_simmim_coordinates():
    """SimMIM's Swin: window 6 (192² pre-training) -> 7. A table that is linear in the geometric source
    coordinates must come out linear in the integer target offsets (cubic splines reproduce lines)."""
    source, target = geometric_offsets(11, 13)
    assert source[5] == 0 and source[6] == 1.0 and target == [float(v) for v in range(-6, 7)]
    assert source[-1] == pytest.approx(6.0, abs=1e-3)  # the stretched half-width reaches the target's
    rows = torch.tensor(source).view(11, 1).expand(11, 11)
    cols = torch.tensor(source).view(1, 11).expand(11, 11)
    table = torch.stack([2 * rows - cols, rows + 0.5], -1).reshape(121, 2).double()  # [(2*6-1)^2, nH=2]
    out = resize_rel_pos_table(table, (7, 7), mode='geometric')
    t_rows = torch.tensor(target).view(13, 1).expand(13, 13).double()
    t_cols = torch.tensor(target).view(1, 13).expand(13, 13).double()
    expected = torch.stack([2 * t_rows - t_cols, t_rows + 0.5], -1).reshape(169, 2)
    assert out.shape == (169, 2) and out.dtype == torch.float64
    torch.testing.assert_close(out, expected, rtol=1e-6, atol=1e-6)
    bicubic = resize_rel_pos_table(table, (7, 7))
    assert not torch.allclose(bicubic, expected, atol=1e-2)  # the two modes really differ


def test_loader_resizes_to_the_backbone_resolution_and_window():
    src = randomize(mm_vit())
    model = mm_vit(img_size=96)  # grid 4x4 -> 6x6
    report = load_backbone_checkpoint(model, {f'backbone.{k}': v for k, v in src.state_dict().items()})
    assert report.resized == {'pos_embed': ((1, 17, 96), (1, 37, 96))}
    assert torch.equal(model.pos_embed[:, 0], src.pos_embed[:, 0])
    rect = mm_vit(img_size=(64, 96))  # non-square grid 4x6, from the backbone's patch_resolution
    report = load_backbone_checkpoint(rect, dict(src.state_dict()), format='mmpretrain')
    expected = resize_pos_embed(src.pos_embed.detach(), (4, 6), num_extra_tokens=1)
    assert report.resized['pos_embed'][1] == (1, 25, 96) and torch.equal(rect.pos_embed.detach(), expected)
    swin_src = randomize(mm_swin())
    swin = mm_swin(window_size=2)
    report = load_backbone_checkpoint(swin, dict(swin_src.state_dict()))
    key = 'stages.0.blocks.0.attn.w_msa.relative_position_bias_table'
    assert report.resized[key] == ((49, 1), (9, 1))
    expected = resize_rel_pos_table(swin_src.state_dict()[key], (2, 2), mode='bicubic')
    assert torch.equal(swin.state_dict()[key], expected)
    report = load_backbone_checkpoint(swin, dict(swin_src.state_dict()), rel_pos_resize='geometric')
    expected = resize_rel_pos_table(swin_src.state_dict()[key], (2, 2), mode='geometric')
    assert torch.equal(swin.state_dict()[key], expected)


# ----------------------------------------------------------------------------- loud failures

def test_wrong_checkpoint_fails_with_key_lists():
    swin_state = dict(mm_swin().state_dict())
    with pytest.raises(CheckpointMismatchError) as err:
        load_backbone_checkpoint(mm_vit(), swin_state, format='mmpretrain')
    message = str(err.value)
    assert 'missing keys' in message and 'layers.0.attn.qkv.weight' in message
    assert 'unexpected keys' in message and 'stages.0.blocks.0.norm1.weight' in message
    wrapped = {'model': {f'encoder.{k}': v for k, v in mm_vit().state_dict().items()}}
    with pytest.raises(CheckpointMismatchError, match="start with 'encoder.'"):
        load_backbone_checkpoint(mm_vit(), wrapped, format='mae')

    from mmpretrain.models import VisionTransformer
    deeper = VisionTransformer(arch=dict(VIT_ARCH, num_layers=5), img_size=64, patch_size=16)
    with pytest.raises(CheckpointMismatchError, match=r'missing keys \(12\).*layers\.4\.'):
        load_backbone_checkpoint(deeper, dict(mm_vit().state_dict()))
    wider = VisionTransformer(arch=dict(VIT_ARCH, embed_dims=48), img_size=64, patch_size=16)
    with pytest.raises(CheckpointMismatchError, match=r'shape mismatches \(\d+\).*checkpoint \(1, 17, 96\)'):
        load_backbone_checkpoint(wider, dict(mm_vit().state_dict()))


def test_init_cfg_without_checkpoint_refuses_to_train_from_scratch():
    from mmpretrain.models import VisionTransformer
    model = VisionTransformer(arch=VIT_ARCH, img_size=64, patch_size=16,
                              init_cfg=dict(type='mimbench.Pretrained', checkpoint=None))
    with pytest.raises(ValueError, match='no checkpoint'):
        model.init_weights()
    model = VisionTransformer(arch=VIT_ARCH, img_size=64, patch_size=16, init_cfg=[
        dict(type='mimbench.Pretrained', checkpoint='x.pth'),
        dict(type='TruncNormal', layer='Linear', std=0.02)])
    with pytest.raises(ValueError, match='must be the only entry'):
        model.init_weights()


# ----------------------------------------------------------------------------- arrival downstream

def _saved_backbone(tmp_path, module, name='pre.pth'):
    src = randomize(module)
    path = tmp_path / name
    state = {f'backbone.{k}': v for k, v in src.state_dict().items()}
    torch.save({'meta': {'cfg': 'mimbench'}, 'state_dict': state}, path)
    return path, {k: v for k, v in src.state_dict().items() if 'relative_position_index' not in k}


def test_loaded_tensors_arrive_in_mmpretrain_classifier(tmp_path):
    """ViT re-draws pos_embed and ResNet zeroes each block's last norm after init unless protected."""
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    path, expected = _saved_backbone(tmp_path, mm_vit())
    model = MODELS.build(dict(
        type='ImageClassifier', neck=dict(type='GlobalAveragePooling'),
        backbone=dict(type='VisionTransformer', arch=VIT_ARCH, img_size=64, patch_size=16,
                      out_type='cls_token',
                      init_cfg=dict(type='mimbench.Pretrained', checkpoint=str(path))),
        head=dict(type='LinearClsHead', num_classes=5, in_channels=96)))
    model.init_weights()
    assert_same_state(model.backbone, expected)
    assert model.backbone.mimbench_load_report.format == 'mimbench'

    from mmpretrain.models import ResNet
    path, expected = _saved_backbone(tmp_path, ResNet(depth=18), 'r18.pth')
    model = MODELS.build(dict(
        type='ImageClassifier', neck=dict(type='GlobalAveragePooling'),
        backbone=dict(type='ResNet', depth=18,
                      init_cfg=dict(type='mimbench.Pretrained', checkpoint=str(path))),
        head=dict(type='LinearClsHead', num_classes=5, in_channels=512)))
    model.init_weights()
    assert_same_state(model.backbone, expected)


def test_loaded_tensors_arrive_in_mmdet_mask_rcnn(tmp_path):
    import mmdet
    from mmdet.registry import MODELS
    init_default_scope('mmdet')
    path, expected = _saved_backbone(tmp_path, mm_swin())
    cfg = Config.fromfile(f'{mmdet.__path__[0]}/.mim/configs/_base_/models/mask-rcnn_r50_fpn.py').model
    cfg.backbone = dict(type='mmpretrain.SwinTransformer', arch=SWIN_ARCH, img_size=64, window_size=4,
                        out_indices=(0, 1, 2, 3),
                        init_cfg=dict(type='mimbench.Pretrained', checkpoint=str(path), format='auto'))
    cfg.neck.in_channels = [32, 64, 128, 256]
    model = MODELS.build(cfg)
    model.init_weights()
    assert_same_state(model.backbone, expected)
    assert set(model.backbone.mimbench_load_report.new) >= {'norm0.weight', 'norm1.weight', 'norm2.weight'}


def test_loaded_tensors_arrive_in_mmseg_encoder_decoder(tmp_path):
    from mmseg.registry import MODELS
    init_default_scope('mmseg')
    path, expected = _saved_backbone(tmp_path, mm_mixmim())
    model = MODELS.build(dict(
        type='EncoderDecoder',
        backbone=dict(type='mmpretrain.MixMIMTransformer', arch=SWIN_ARCH, img_size=64,
                      window_size=[4, 4, 4, 2],
                      init_cfg=dict(type='mimbench.Pretrained', checkpoint=str(path))),
        decode_head=dict(type='FCNHead', in_channels=256, channels=16, num_convs=1, num_classes=4,
                         norm_cfg=dict(type='BN', requires_grad=True))))
    model.init_weights()
    assert_same_state(model.backbone, expected)


# ----------------------------------------------------------------------------- convert-checkpoint command

def test_convert_checkpoint_command_writes_a_loadable_file(tmp_path, capsys):
    from mimbench.checkpoints import cli
    ref = randomize(timm_vit())
    src, dst = tmp_path / 'mae.pth', tmp_path / 'out' / 'mae_mm.pth'
    torch.save({'model': {**ref.state_dict(), 'mask_token': torch.zeros(1, 1, 64)},
                'args': argparse.Namespace()}, src)
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(['convert-checkpoint', str(src), str(dst)])
    assert args.func(args) == 0
    assert 'left out mask_token' in capsys.readouterr().out
    model = mm_vit(out_type='raw')
    report = load_backbone_checkpoint(model, dst)
    assert report.format == 'mmpretrain' and not report.dropped
    with torch.no_grad():
        torch.testing.assert_close(model(image())[0], ref.forward_features(image()), rtol=1e-4, atol=1e-4)
    args = parser.parse_args(['convert-checkpoint', str(tmp_path / 'missing.pth'), str(dst)])
    assert args.func(args) == 2


def test_loaded_tensors_arrive_in_vit_adapter_of_mask_rcnn(tmp_path):
    """mae.txt A.3 path: ViT inside mimbench.ViTMultiScale inside Mask R-CNN; the adapter's own layers
    are still initialised by it, the ViT keeps the checkpoint."""
    import mmdet
    from mmdet.registry import MODELS
    init_default_scope('mmdet')
    path, expected = _saved_backbone(tmp_path, mm_vit())
    cfg = Config.fromfile(f'{mmdet.__path__[0]}/.mim/configs/_base_/models/mask-rcnn_r50_fpn.py').model
    cfg.backbone = dict(type='mimbench.ViTMultiScale', rel_pos_bias=True,
                        vit=dict(type='mmpretrain.VisionTransformer', arch=VIT_ARCH, img_size=64,
                                 patch_size=16),
                        init_cfg=dict(type='mimbench.Pretrained', checkpoint=str(path)))
    cfg.neck.in_channels = [96] * 4
    model = MODELS.build(cfg)
    model.init_weights()
    assert_same_state(model.backbone.vit, {k: v for k, v in expected.items() if not k.startswith('ln1.')})
    report = mimbench.checkpoints.init.find_load_report(model)
    assert set(report.dropped) == {'ln1.weight', 'ln1.bias'}  # the adapter has no final norm
    assert len(report.sha256) == 64
    assert torch.count_nonzero(model.backbone.rel_pos_bias[0].table) == 0  # zero-init, mae.txt A.4
