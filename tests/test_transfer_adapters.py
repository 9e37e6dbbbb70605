"""Multi-scale backbones for detection/segmentation: strides, shapes, zero-init relative bias, MixMIM parity,
and that a pre-trained encoder loads through the adapter (mimbench.models.adapters)."""
from __future__ import annotations

import pytest
import torch

import mimbench  # noqa: F401  (registers mimbench modules)
from mimbench.checkpoints import load_backbone_checkpoint
from mimbench.models.adapters import (
    FeatureBatchNorm,
    MixMIMMultiScale,
    RelativePositionBias,
    ViTMultiScale,
    group_ends,
    output_strides,
)
from mimbench.registry import MODELS

VIT_SMOKE = dict(type='mmpretrain.VisionTransformer', img_size=64, patch_size=16,
                 arch=dict(embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384))
def evaluating(module):
    """``module`` in eval mode (mmpretrain backbones' ``train()`` returns None: ``.eval()`` cannot chain)."""
    module.eval()
    return module


MIXMIM_SMOKE = dict(arch=dict(embed_dims=32, depths=[1, 1, 2, 1], num_heads=[1, 2, 4, 8]), img_size=64,
                    window_size=[4, 4, 4, 2])


def test_group_ends_split_blocks_into_four_equal_groups():
    assert group_ends(12) == [2, 5, 8, 11]      # ViT-B (mae.txt A.3)
    assert group_ends(24) == [5, 11, 17, 23]    # ViT-L
    assert group_ends(4) == [0, 1, 2, 3]        # vit-smoke
    with pytest.raises(ValueError, match='4 equal groups'):
        group_ends(10)


@pytest.mark.parametrize('size', [(64, 64), (64, 96), (128, 64)])
def test_vit_multiscale_strides_and_shapes(size):
    model = ViTMultiScale(vit=VIT_SMOKE).eval()
    with torch.no_grad():
        outs = model(torch.randn(2, 3, *size))
    assert [tuple(o.shape) for o in outs] == [(2, 96, size[0] // s, size[1] // s) for s in (4, 8, 16, 32)]
    assert output_strides(model) == [4, 8, 16, 32]
    assert model.out_channels == [96] * 4


def test_vit_multiscale_taps_the_end_of_each_block_group():
    """The stride-16 output is the unchanged token map after block 2 of 4 (index 2 = third group's end)."""
    model = ViTMultiScale(vit=VIT_SMOKE).eval()
    vit = MODELS.build(dict(VIT_SMOKE, out_type='featmap', final_norm=False, out_indices=[0, 1, 2, 3]))
    evaluating(vit)
    vit.load_state_dict(model.vit.state_dict())
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        ref = vit(x)
        outs = model(x)
    torch.testing.assert_close(outs[2], ref[2])                                # identity branch
    torch.testing.assert_close(outs[3], torch.nn.functional.max_pool2d(ref[3], 2))  # pooled branch


def test_vit_rejects_non_16_patches():
    with pytest.raises(ValueError, match='patch_size=16'):
        ViTMultiScale(vit=dict(VIT_SMOKE, patch_size=8))


def test_relative_position_bias_starts_at_zero_and_then_matters():
    """mae.txt A.4: relative position bias turned on for transfer, initialised at zero: at start the adapter
    computes exactly the pre-trained ViT's features; once the table is non-zero the features change."""
    plain = ViTMultiScale(vit=VIT_SMOKE).eval()
    biased = ViTMultiScale(vit=VIT_SMOKE, rel_pos_bias=True).eval()
    missing = biased.load_state_dict(plain.state_dict(), strict=False).missing_keys
    assert missing and all(k.startswith('rel_pos_bias.') for k in missing)
    assert all(torch.count_nonzero(t.table) == 0 for t in biased.rel_pos_bias)
    x = torch.randn(1, 3, 64, 80)   # another grid than the table's: the table is resized
    with torch.no_grad():
        for a, b in zip(plain(x), biased(x)):
            torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)
        biased.rel_pos_bias[1].table.normal_()
        assert not torch.allclose(plain(x)[3], biased(x)[3], atol=1e-4)


def test_relative_position_index_is_symmetric_in_offsets():
    idx = RelativePositionBias.index((3, 4), with_cls_token=True)   # [13, 13]
    assert idx.shape == (13, 13)
    num_offsets = 5 * 7
    assert idx[0, 0] == num_offsets + 2
    assert (idx[0, 1:] == num_offsets).all() and (idx[1:, 0] == num_offsets + 1).all()
    assert (idx[1:, 1:].diagonal() == (3 - 1) * 7 + (4 - 1)).all()   # zero offset -> centre of the table
    assert idx[1:, 1:].max() < num_offsets


def test_mixmim_multiscale_matches_mmpretrain_at_its_resolution():
    """Same parameters and, at the construction size, the same final features as MixMIMTransformer."""
    from mmpretrain.models import MixMIMTransformer
    torch.manual_seed(0)
    ref = evaluating(MixMIMTransformer(**MIXMIM_SMOKE))
    ours = evaluating(MixMIMMultiScale(**MIXMIM_SMOKE))
    ours.load_state_dict(ref.state_dict())   # strict: no new keys
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        pooled = ref(x)[0]
        outs = ours(x)
    torch.testing.assert_close(outs[3].flatten(2).mean(-1), pooled, atol=1e-5, rtol=1e-5)
    assert [tuple(o.shape) for o in outs] == [(2, 32, 16, 16), (2, 64, 8, 8), (2, 128, 4, 4), (2, 256, 2, 2)]


@pytest.mark.parametrize('size', [(64, 96), (96, 64), (80, 80)])
def test_mixmim_multiscale_any_input_size(size):
    model = evaluating(MixMIMMultiScale(**MIXMIM_SMOKE))
    with torch.no_grad():
        outs = model(torch.randn(1, 3, *size))
    # odd grids are padded by the patch merging (ceil), as mmpretrain's Swin does
    expected = [(-(-size[0] // s), -(-size[1] // s)) for s in (4, 8, 16, 32)]
    assert [tuple(o.shape[-2:]) for o in outs] == expected
    assert model.out_channels == [32, 64, 128, 256]


def test_mixmim_block_windows_enlarge_chosen_blocks_and_load_resized_tables(tmp_path):
    """mixmim.txt Sec. 3: some stage-3 blocks get larger windows; their tables are resized at loading."""
    from mmpretrain.models import MixMIMTransformer
    pre = MixMIMTransformer(**MIXMIM_SMOKE)
    torch.save({'meta': {}, 'state_dict': {f'backbone.{k}': v for k, v in pre.state_dict().items()}},
               tmp_path / 'mixmim.pth')
    model = MixMIMMultiScale(**MIXMIM_SMOKE, block_windows={'2.1': 8})
    assert model.layers[2].blocks[1].window_size == 8 and model.layers[2].blocks[0].window_size == 4
    report = load_backbone_checkpoint(model, tmp_path / 'mixmim.pth')
    assert report.resized == {'layers.2.blocks.1.attn.relative_position_bias_table': ((49, 4), (225, 4))}
    torch.testing.assert_close(model.layers[2].blocks[1].attn.qkv.weight,
                               pre.layers[2].blocks[1].attn.qkv.weight)
    with torch.no_grad():
        assert model(torch.randn(1, 3, 128, 128))[2].shape == (1, 128, 8, 8)
    with pytest.raises(ValueError, match='block_windows'):
        MixMIMMultiScale(**MIXMIM_SMOKE, block_windows={'2.7': 8})


@pytest.mark.parametrize('cfg, channels', [
    (dict(type='mmpretrain.SwinTransformer',
          arch=dict(embed_dims=32, depths=[1, 1, 2, 1], num_heads=[1, 2, 4, 8]), img_size=64, window_size=4,
          pad_small_map=True, out_indices=(0, 1, 2, 3)), [32, 64, 128, 256]),
    (dict(type='mmpretrain.ResNet', depth=18, out_indices=(0, 1, 2, 3)), [64, 128, 256, 512]),
])
def test_hierarchical_encoders_go_straight_into_fpn(cfg, channels):
    model = evaluating(MODELS.build(cfg))
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 64, 64))
    assert [o.shape[1] for o in outs] == channels
    assert output_strides(model) == [4, 8, 16, 32]


def test_pretrained_vit_arrives_inside_the_adapter(tmp_path):
    """A mimbench pre-training checkpoint (encoder under ``backbone.``) loads into ``ViTMultiScale.vit``."""
    encoder = MODELS.build(VIT_SMOKE)
    with torch.no_grad():
        for p in encoder.parameters():
            p.normal_()
    path = tmp_path / 'pre.pth'
    state = {f'backbone.{k}': v for k, v in encoder.state_dict().items()}
    state['backbone.mask_token'] = torch.zeros(1, 1, 96)   # pre-training only: dropped with a reason
    torch.save({'meta': {}, 'state_dict': state}, path)
    adapter = ViTMultiScale(vit=VIT_SMOKE, rel_pos_bias=True)
    report = load_backbone_checkpoint(adapter, path)
    for key, value in encoder.state_dict().items():
        if key.startswith('ln1.'):   # final norm: unused by the adapter (per-group outputs)
            continue
        assert torch.equal(adapter.vit.state_dict()[key], value), key
    assert 'mask_token' in report.dropped


def test_simmim_vit_in_beit_layout_arrives_inside_the_adapter(tmp_path):
    """SimMIM's ViT (BEiT's layout: shared relative position bias, layer scale, no absolute position
    embedding; mimbench.SimMIMViT) goes to detection/segmentation through ViTMultiScale holding a BEiTViT: the
    shared table is copied into every block and the stride-16 map is the pre-trained block-3 token map."""
    arch = VIT_SMOKE['arch']
    encoder = MODELS.build(dict(type='mimbench.SimMIMViT', arch=arch, img_size=64, out_indices=[2]))
    with torch.no_grad():
        for p in encoder.parameters():
            p.normal_(std=0.2)
    path = tmp_path / 'simmim.pth'
    state = {f'backbone.{k}': v for k, v in encoder.state_dict().items()}
    torch.save({'meta': {}, 'state_dict': state}, path)
    beit = dict(type='mmpretrain.BEiTViT', arch=arch, img_size=64, patch_size=16, use_abs_pos_emb=False,
                use_rel_pos_bias=True, layer_scale_init_value=0.1)
    adapter = evaluating(ViTMultiScale(vit=beit))
    report = load_backbone_checkpoint(adapter, path, sha256=False)
    assert 'layers.3.attn.relative_position_bias_table' in report.loaded and 'mask_token' in report.dropped
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(adapter(x)[2], evaluating(encoder)(x)[0], atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match=r'tables for a \(4, 4\) grid .* gives \(6, 6\)'):
        adapter(torch.randn(1, 3, 96, 96))
    with pytest.raises(ValueError, match='has its own'):
        ViTMultiScale(vit=beit, rel_pos_bias=True)


def test_feature_batchnorm_has_no_affine_parameters():
    neck = FeatureBatchNorm(8).train()
    assert list(neck.parameters()) == []
    out, = neck((torch.randn(16, 8) * 5 + 3,))
    torch.testing.assert_close(out.mean(0), torch.zeros(8), atol=1e-5, rtol=0)
