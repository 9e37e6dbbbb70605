"""Parity with an oracle from the stack: a release file loaded by the stack's own reference model and the same
file loaded by mimbench into mmpretrain's backbone compute the same features (max abs difference <= 1e-5);
a deliberately wrong mapping makes them differ.

- ViT in MAE's layout: timm's ``VisionTransformer`` reads MAE's key names as they are.
- Swin in SimMIM's layout (official names, window-4 pre-training tables, fine-tuned at window 5): timm's
  ``SwinTransformer`` reads official keys with its own ``checkpoint_filter_fn``; the tables it is given are
  resized here as SimMIM's ``remap_pretrained_keys_swin`` does (interp2d cubic on geometric source
  coordinates = a not-a-knot cubic spline per axis, evaluated clamped to the source range as FITPACK does).
- MixMIM in its official layout (Swin's patch merging order): mmpretrain's ``MixMIMTransformer`` is the
  oracle; the release file is written from its weights with a merging permutation found by probing
  ``nn.Unfold``, not taken from mimbench.
- SimMIM's ViT (shared relative position bias): timm's ``Beit`` is the oracle for mmpretrain's ``BEiTViT``.

Wrong mappings tried: norms of each block swapped, patch merging left in concatenation order, bicubic
instead of geometric relative-table resize.
"""
import argparse
import re

import numpy as np
import pytest
import timm
import torch

import mimbench  # noqa: F401
from mimbench.checkpoints import convert, load_backbone_checkpoint
from mimbench.checkpoints.interpolate import geometric_offsets

TOL = 1e-5
WRONG = 1e-3  # a wrong mapping moves features by far more than this
VIT = dict(embed_dim=96, depth=4, num_heads=3)
MM_VIT = dict(embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384)
SWIN = dict(embed_dim=32, depths=(1, 1, 2, 1), num_heads=(1, 2, 4, 8))
MM_SWIN = dict(embed_dims=32, depths=[1, 1, 2, 1], num_heads=[1, 2, 4, 8])


def evaluating(module):
    module.eval()  # some mmpretrain backbones' train() returns None: no chaining
    return module


def randomize(module, seed=0):
    """Non-default values everywhere (norms included) so a missed or swapped tensor shows."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=generator) * 0.1 + (1.0 if p.ndim == 1 else 0.0))
    return evaluating(module)


def image(size):
    return torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(1))


def diff(a, b) -> float:
    return (a - b).abs().max().item()


@pytest.fixture
def swapped_norms(monkeypatch):
    """A converter that swaps each block's two norms (ViT renames and the Swin/MixMIM block renames)."""
    def swap(text):
        return text.replace('norm1', 'TMP').replace('norm2', 'norm1').replace('TMP', 'norm2')

    renames = tuple((swap(p), r) if 'norm' in p else (p, r) for p, r in convert._VIT_RENAMES)
    monkeypatch.setattr(convert, '_VIT_RENAMES', renames)
    original = convert._swin_block_rename
    monkeypatch.setattr(convert, '_swin_block_rename', lambda rest, family: original(swap(rest), family))


# ----------------------------------------------------------------------------- ViT, MAE layout vs timm

def _mae_file(tmp_path):
    ref = randomize(timm.models.vision_transformer.VisionTransformer(
        img_size=64, patch_size=16, num_classes=0, **VIT))
    state = dict(ref.state_dict())
    state.update({'mask_token': torch.zeros(1, 1, 32), 'decoder_embed.weight': torch.randn(32, 96),
                  'decoder_pos_embed': torch.zeros(1, 17, 32), 'decoder_pred.weight': torch.randn(768, 32)})
    path = tmp_path / 'mae_pretrain.pth'
    torch.save({'model': state, 'epoch': 799, 'args': argparse.Namespace(model='mae_vit_base_patch16')}, path)
    return path


def _timm_reads(path, model):
    with torch.serialization.safe_globals([argparse.Namespace]):
        state = torch.load(path, map_location='cpu', weights_only=True)['model']
    own = model.state_dict()
    model.load_state_dict({k: v for k, v in state.items() if k in own}, strict=True)
    return model


def _mimbench_vit(path):
    from mmpretrain.models import VisionTransformer

    model = VisionTransformer(arch=MM_VIT, img_size=64, patch_size=16, out_type='raw')
    load_backbone_checkpoint(model, path)
    return evaluating(model)


def test_mae_layout_vit_matches_timm(tmp_path):
    path = _mae_file(tmp_path)
    oracle = _timm_reads(path, timm.models.vision_transformer.VisionTransformer(
        img_size=64, patch_size=16, num_classes=0, **VIT))
    with torch.no_grad():
        assert diff(_mimbench_vit(path)(image(64))[0], oracle.forward_features(image(64))) <= TOL


def test_mae_layout_vit_with_swapped_norms_fails_parity(tmp_path, swapped_norms):
    path = _mae_file(tmp_path)
    oracle = _timm_reads(path, timm.models.vision_transformer.VisionTransformer(
        img_size=64, patch_size=16, num_classes=0, **VIT))
    with torch.no_grad():
        assert diff(_mimbench_vit(path)(image(64))[0], oracle.forward_features(image(64))) > WRONG


# ----------------------------------------------------------------------------- Swin, SimMIM layout vs timm

def simmim_geometric(table: torch.Tensor, dst_window: int) -> torch.Tensor:
    """SimMIM's table remap, written from its description: cubic spline through geometric source offsets."""
    from scipy.interpolate import CubicSpline

    side, heads = int(table.shape[0] ** 0.5), table.shape[1]
    source, target = geometric_offsets(side, 2 * dst_window - 1)
    target = np.clip(target, source[0], source[-1])  # FITPACK evaluates clamped to the data range
    out = []
    for head in range(heads):
        grid = table[:, head].double().numpy().reshape(side, side)
        rows = CubicSpline(source, grid, axis=0, bc_type='not-a-knot')(target)
        out.append(CubicSpline(source, rows, axis=1, bc_type='not-a-knot')(target).reshape(-1))
    return torch.tensor(np.stack(out, 1), dtype=torch.float32)


def _simmim_swin_file(tmp_path):
    """Official (SimMIM) names from a random timm Swin; pre-training window 4 tables (7x7 offsets)."""
    ref = randomize(timm.models.swin_transformer.SwinTransformer(
        img_size=160, window_size=5, num_classes=0, **SWIN))
    generator = torch.Generator().manual_seed(2)
    encoder = {}
    for key, value in ref.state_dict().items():
        if key.endswith('relative_position_bias_table'):
            value = torch.randn(49, value.shape[1], generator=generator)
            encoder[key.replace('bias_table', 'index')] = torch.zeros(16, 16, dtype=torch.long)
        m = re.match(r'layers\.(\d+)\.downsample\.(.*)', key)
        encoder[f'layers.{int(m.group(1)) - 1}.downsample.{m.group(2)}' if m else key] = value
    state = {f'encoder.{k}': v for k, v in encoder.items()}
    state.update({'encoder.mask_token': torch.zeros(1, 1, 32), 'decoder.0.bias': torch.zeros(3072),
                  'decoder.0.weight': torch.randn(3072, 256, 1, 1)})
    path = tmp_path / 'simmim_pretrain__swin.pth'
    torch.save({'model': state, 'epoch': 799}, path)
    return path, encoder


def _timm_swin_oracle(encoder):
    from timm.models.swin_transformer import checkpoint_filter_fn

    model = timm.models.swin_transformer.SwinTransformer(img_size=160, window_size=5, num_classes=0, **SWIN)
    state = {k: simmim_geometric(v, 5) if k.endswith('relative_position_bias_table') else v
             for k, v in encoder.items()}
    model.load_state_dict(checkpoint_filter_fn(state, model), strict=True)
    return evaluating(model)


def _swin_features(path, **load_kw):
    from mmpretrain.models import SwinTransformer

    model = SwinTransformer(arch=MM_SWIN, img_size=160, window_size=5, out_indices=(3,))
    report = load_backbone_checkpoint(model, path, **load_kw)
    assert report.format == 'simmim' and len(report.resized) == 5  # every block's table, 7x7 -> 9x9 offsets
    with torch.no_grad():
        return evaluating(model)(image(160))[0]


@pytest.fixture
def swin_pair(tmp_path):
    path, encoder = _simmim_swin_file(tmp_path)
    with torch.no_grad():
        expected = _timm_swin_oracle(encoder).forward_features(image(160)).permute(0, 3, 1, 2)
    return path, expected


def test_simmim_swin_release_matches_timm_with_geometric_table_resize(swin_pair):
    path, expected = swin_pair
    assert diff(_swin_features(path), expected) <= TOL


def test_simmim_swin_with_bicubic_table_resize_fails_parity(swin_pair):
    path, expected = swin_pair
    assert diff(_swin_features(path, rel_pos_resize='bicubic'), expected) > WRONG


def test_simmim_swin_with_merging_in_concatenation_order_fails_parity(swin_pair, monkeypatch):
    path, expected = swin_pair
    monkeypatch.setattr(convert, '_UNFOLD_FROM_CAT', (0, 1, 2, 3))
    assert diff(_swin_features(path), expected) > WRONG


def test_simmim_swin_with_swapped_norms_fails_parity(swin_pair, swapped_norms):
    path, expected = swin_pair
    assert diff(_swin_features(path), expected) > WRONG


# ----------------------------------------------------------------------------- MixMIM vs mmpretrain

def concat_order_of_unfold(channels: int) -> list[int]:
    """For each input channel of mmpretrain's merging (``nn.Unfold`` over 2x2), the index it has in the
    official concatenation ``cat([x(0,0), x(1,0), x(0,1), x(1,1)])`` (row, col): found by probing."""
    ids = torch.arange(4 * channels, dtype=torch.float32)
    patch = torch.empty(2, 2, channels)  # [row, col, channel]
    for group, (row, col) in enumerate(((0, 0), (1, 0), (0, 1), (1, 1))):
        patch[row, col] = ids[group * channels:(group + 1) * channels]
    unfolded = torch.nn.Unfold(kernel_size=2, stride=2)(patch.permute(2, 0, 1)[None])  # [1, 4C, 1]
    return unfolded.flatten().long().tolist()


def mixmim_official(state: dict) -> dict:
    """mmpretrain MixMIM -> Sense-X/MixMIM names (models_mixmim.py: timm's PatchMerging, norm1/norm2, mlp)."""
    out = {}
    for key, value in state.items():
        key = key.replace('patch_embed.projection.', 'patch_embed.proj.').replace('.ln1.', '.norm1.')
        key = key.replace('.ln2.', '.norm2.').replace('ffn.layers.0.0.', 'mlp.fc1.')
        key = key.replace('ffn.layers.1.', 'mlp.fc2.')
        if '.downsample.' in key:
            order = concat_order_of_unfold(value.shape[-1] // 4)
            official = torch.empty_like(value)
            official[..., order] = value  # unfold slot j holds concatenation channel order[j]
            value = official
        out[key] = value
    return out


def _mixmim_pair(tmp_path):
    from mmpretrain.models import MixMIMTransformer

    oracle = randomize(MixMIMTransformer(arch=MM_SWIN, img_size=128, window_size=[4, 4, 4, 2]))
    state = mixmim_official(oracle.state_dict())
    state.update({'mask_token': torch.zeros(1, 1, 64), 'decoder_embed.weight': torch.randn(64, 256),
                  'decoder_pred.weight': torch.randn(3072, 64), 'decoder_pos_embed': torch.zeros(1, 16, 64)})
    path = tmp_path / 'mixmim_pretrain.pth'
    torch.save({'model': state, 'epoch': 599, 'args': argparse.Namespace(model='mixmim_base')}, path)
    with torch.no_grad():
        return path, oracle(image(128))[0]


def _mixmim_features(path):
    from mmpretrain.models import MixMIMTransformer

    model = MixMIMTransformer(arch=MM_SWIN, img_size=128, window_size=[4, 4, 4, 2])
    assert load_backbone_checkpoint(model, path).format == 'mixmim'
    with torch.no_grad():
        return evaluating(model)(image(128))[0]


@pytest.fixture
def mixmim_pair(tmp_path):
    return _mixmim_pair(tmp_path)


def test_mixmim_release_matches_mmpretrain(mixmim_pair):
    path, expected = mixmim_pair
    assert diff(_mixmim_features(path), expected) <= TOL


def test_mixmim_with_merging_in_concatenation_order_fails_parity(mixmim_pair, monkeypatch):
    path, expected = mixmim_pair
    monkeypatch.setattr(convert, '_UNFOLD_FROM_CAT', (0, 1, 2, 3))
    assert diff(_mixmim_features(path), expected) > WRONG


def test_mixmim_with_swapped_norms_fails_parity(mixmim_pair, swapped_norms):
    path, expected = mixmim_pair
    assert diff(_mixmim_features(path), expected) > WRONG


# ----------------------------------------------------------------------------- SimMIM ViT vs timm Beit

BEIT = dict(use_abs_pos_emb=False, use_rel_pos_bias=False, use_shared_rel_pos_bias=True, init_values=0.1,
            num_classes=0)


def _simmim_vit_file(tmp_path):
    """SimMIM's ViT release layout (BEiT names under encoder., one shared table with its index)."""
    from timm.models.beit import Beit

    ref = randomize(Beit(img_size=64, patch_size=16, global_pool='avg', use_fc_norm=False, **VIT, **BEIT))
    state = {f'encoder.{k}': v for k, v in ref.state_dict().items()}
    state.update({'encoder.rel_pos_bias.relative_position_index': torch.zeros(17, 17, dtype=torch.long),
                  'encoder.mask_token': torch.zeros(1, 1, 96), 'decoder.0.weight': torch.randn(768, 96, 1, 1),
                  'decoder.0.bias': torch.zeros(768)})
    path = tmp_path / 'simmim_pretrain__vit.pth'
    torch.save({'model': state, 'epoch': 799}, path)
    return path, ref


def _beit(**kw):
    from mmpretrain.models import BEiTViT

    return BEiTViT(arch=MM_VIT, img_size=64, patch_size=16, use_abs_pos_emb=False, use_rel_pos_bias=True,
                   use_shared_rel_pos_bias=False, layer_scale_init_value=0.1, **kw)


def test_simmim_vit_release_converts_into_beit_vit_matching_timm_beit(tmp_path):
    path, ref = _simmim_vit_file(tmp_path)
    model = _beit(out_type='raw', final_norm=True)
    report = load_backbone_checkpoint(model, path)
    tables = [k for k in report.loaded if k.endswith('relative_position_bias_table')]
    assert len(tables) == 4 and 'rel_pos_bias.relative_position_bias_table' not in report.dropped
    for key in tables:  # the shared table copied into every block, as SimMIM's fine-tuning does
        assert torch.equal(model.state_dict()[key], ref.rel_pos_bias.relative_position_bias_table)
    with torch.no_grad():
        assert diff(evaluating(model)(image(64))[0], ref.forward_features(image(64))) <= TOL


def test_simmim_vit_release_fine_tunes_with_the_simmim_vit_b_recipe(tmp_path):
    """The SimMIM ViT-B ImageNet recipe (at smoke width): its BEiTViT (mean pooling + a new norm, release
    USE_MEAN_POOLING; no final norm) loads the release through its init_cfg, computes timm Beit's pooled
    features, and its layer-decay optimizer takes one step."""
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS
    from mmpretrain.structures import DataSample
    from timm.models.beit import Beit

    from mimbench.transfer.tasks import task_config

    path, ref = _simmim_vit_file(tmp_path)
    recipe = Config.fromfile(task_config('in1k', 'vit-b', 'full', method='simmim'))
    assert recipe.model.backbone.type == 'mmpretrain.BEiTViT'
    recipe.model.backbone.update(arch=MM_VIT, img_size=64, drop_path_rate=0.0,
                                 init_cfg=dict(type='mimbench.Pretrained', checkpoint=str(path)))
    recipe.model.head.update(in_channels=96, num_classes=5)
    init_default_scope('mmpretrain')
    classifier = MODELS.build(recipe.model)
    classifier.init_weights()
    report = classifier.backbone.mimbench_load_report
    assert report.format == 'simmim' and set(report.new) >= {'ln2.weight', 'ln2.bias'}
    assert {'ln1.weight', 'ln1.bias'} <= set(report.dropped)

    pooled = Beit(img_size=64, patch_size=16, global_pool='avg', use_fc_norm=True, **VIT, **BEIT)
    state = {k: v for k, v in ref.state_dict().items() if not k.startswith('norm.')}
    new_norm = classifier.backbone.ln2
    state.update({'fc_norm.weight': new_norm.weight, 'fc_norm.bias': new_norm.bias})
    pooled.load_state_dict(state, strict=True)
    with torch.no_grad():
        expected = pooled.forward_head(pooled.forward_features(image(64)), pre_logits=True)
        assert diff(evaluating(classifier.backbone)(image(64))[0], expected) <= TOL

    optim = dict(recipe.optim_wrapper, type='OptimWrapper')  # fp32 on CPU; the recipe trains with AMP
    optim.pop('dtype', None)
    wrapper = build_optim_wrapper(classifier, optim)
    classifier.train()
    before = classifier.backbone.layers[0].attn.relative_position_bias_table.detach().clone()
    samples = [DataSample().set_gt_label(i % 5) for i in range(2)]
    losses = classifier(image(64), samples, mode='loss')
    wrapper.update_params(sum(losses.values()))
    assert torch.isfinite(sum(losses.values()))
    assert not torch.equal(classifier.backbone.layers[0].attn.relative_position_bias_table, before)


def test_simmim_vit_with_swapped_norms_fails_parity(tmp_path, swapped_norms):
    path, ref = _simmim_vit_file(tmp_path)
    model = _beit(out_type='raw', final_norm=True)
    load_backbone_checkpoint(model, path)
    with torch.no_grad():
        assert diff(evaluating(model)(image(64))[0], ref.forward_features(image(64))) > WRONG
