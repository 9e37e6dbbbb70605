"""SimMIM pre-training (simmim.txt Sec. 3-4): mask token, linear head, l1 on masked pixels, Swin-B, ViT-B."""
import math

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import TRANSFORMS

import mimbench  # noqa: F401
from mimbench.models.complexity import build_without_init, count_params
from mimbench.registry import MODELS

D = 'configs/pretrain/simmim/'
SMOKE = {'swin': D + 'simmim_swin-base-w6_8xb256-coslr-100e_in1k-192px_smoke.py',
         'vit': D + 'simmim_vit-base-p16_8xb256-coslr-800e_in1k_smoke.py'}
FULL = {'swin': D + 'simmim_swin-base-w6_8xb256-coslr-100e_in1k-192px.py',
        'vit': D + 'simmim_vit-base-p16_8xb256-coslr-800e_in1k.py'}


def smoke_model(kind):
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(SMOKE[kind]).model)
    model.init_weights()
    return model


@pytest.mark.parametrize('kind', ['swin', 'vit'])
def test_masked_patch_content_is_invisible_to_the_encoder(kind):
    """Masked patch embeddings are replaced by the mask token (simmim.txt Sec. 3.1): their pixels cannot
    change the encoder output."""
    model = smoke_model(kind).eval()
    p = model.head.patch_size
    mask = model.draw_mask(torch.zeros(2, 3, 64, 64))                               # [N, 64/p, 64/p]
    pixel_mask = mask.repeat_interleave(p, 1).repeat_interleave(p, 2).unsqueeze(1).bool()
    a = torch.randn(2, 3, 64, 64)
    b = torch.where(pixel_mask, torch.randn_like(a), a)                             # other masked content
    with torch.no_grad():
        fa, fb = model.backbone(a, mask)[0], model.backbone(b, mask)[0]
        fc = model.backbone(a, torch.zeros_like(mask))[0]
    assert torch.allclose(fa, fb, atol=1e-5)
    assert not torch.allclose(fa, fc, atol=1e-3)


@pytest.mark.parametrize('kind', ['swin', 'vit'])
def test_l1_loss_only_on_masked_pixels_with_linear_head(kind):
    model = smoke_model(kind)
    decoder = model.neck.decoder
    assert isinstance(decoder[0], torch.nn.Conv2d) and decoder[0].kernel_size == (1, 1)   # one linear layer
    stride = 32 if kind == 'swin' else 16
    assert decoder[0].out_channels == stride ** 2 * 3
    images = torch.randn(2, 3, 64, 64)
    mask = model.draw_mask(images)
    pred = model.neck(model.backbone(images, mask)[0]).detach().requires_grad_()
    loss = model.head.loss(pred, images, mask)
    loss.backward()
    p = model.head.patch_size
    m = mask.repeat_interleave(p, 1).repeat_interleave(p, 2).unsqueeze(1).expand_as(images).bool()
    assert torch.all(pred.grad[~m] == 0) and torch.all(pred.grad[m] != 0)
    assert loss.item() == pytest.approx((pred - images).abs()[m].mean().item(), rel=1e-5)   # l1 mean, Eq. 1


@pytest.mark.parametrize('kind', ['swin', 'vit'])
def test_config_mask_generator_cells_and_ratio(kind):
    cfg = Config.fromfile(FULL[kind])
    gen_cfg = [t for t in cfg.train_dataloader.dataset.pipeline if 'MaskGenerator' in t['type']][0]
    gen = TRANSFORMS.build(gen_cfg)
    mask = gen.transform({})['mask']
    size, patch = gen_cfg['input_size'], gen_cfg['model_patch_size']
    assert mask.shape == (size // patch, size // patch)
    cells = (size // 32) ** 2
    scale = 32 // patch
    per_cell = mask.reshape(size // 32, scale, size // 32, scale).transpose(0, 2, 1, 3).reshape(cells, -1)
    assert np.all(per_cell.min(1) == per_cell.max(1))                               # whole 32x32 cells
    assert per_cell[:, 0].sum() == math.ceil(0.6 * cells)                           # ratio 0.6


@pytest.mark.parametrize('kind', ['swin', 'vit'])
def test_optimisation_lowers_loss_on_fixed_batch(kind):
    model = smoke_model(kind)
    images = torch.randn(4, 3, 64, 64)
    mask = model.draw_mask(images)
    from mmpretrain.structures import DataSample
    samples = [DataSample().set_mask(m) for m in mask]
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    with torch.no_grad():
        before = model.loss(images, samples)['loss'].item()
    for _ in range(8):
        optimizer.zero_grad()
        model.loss(images, samples)['loss'].backward()
        optimizer.step()
    with torch.no_grad():
        after = model.loss(images, samples)['loss'].item()
    assert after < 0.9 * before, (before, after)


def test_reconstruct_keeps_visible_pixels():
    model = smoke_model('vit')
    images = torch.randn(2, 3, 64, 64)
    mask = model.draw_mask(images)
    panels = model.reconstruct(images, mask)
    m = mask.repeat_interleave(16, 1).repeat_interleave(16, 2).unsqueeze(1).expand_as(images).bool()
    assert torch.equal(panels['prediction'][~m], images[~m]) and torch.all(panels['masked'][m] == 0)


def test_vit_encoder_checkpoint_loads_into_transfer_vit():
    from mmpretrain.models import VisionTransformer
    state = smoke_model('vit').backbone.state_dict()
    vit = VisionTransformer(arch=dict(embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384),
                            img_size=64, patch_size=16)
    missing, unexpected = vit.load_state_dict(state, strict=False)
    assert not missing and unexpected == ['mask_token']                             # pre-training-only key


@pytest.mark.parametrize('kind,expected', [('vit', 86e6), ('swin', 88e6)])
def test_encoder_parameter_counts_match_paper(kind, expected):
    """ViT-B 86M; Swin-B 88M (simmim.txt Table 7) counts the ImageNet classifier: add its 1024x1000 head."""
    n = count_params(build_without_init(Config.fromfile(FULL[kind]).model.backbone))
    if kind == 'swin':
        n += 1024 * 1000 + 1000
    assert abs(n - expected) / expected < 0.01, f'{n / 1e6:.2f}M vs {expected / 1e6:.0f}M'


def test_swin_encoder_checkpoint_loads_into_transfer_swin():
    from mmpretrain.models import SwinTransformer
    state = smoke_model('swin').backbone.state_dict()
    swin = SwinTransformer(arch=dict(embed_dims=32, depths=[1, 1, 2, 1], num_heads=[1, 2, 4, 8]), img_size=64,
                           window_size=4, pad_small_map=True)                        # swin-smoke
    missing, unexpected = swin.load_state_dict(state, strict=False)
    assert not missing and unexpected == ['mask_token']


def test_same_loss_as_mmpretrain_simmim_swin():
    from mmpretrain.structures import DataSample
    ours = smoke_model('swin')
    cfg = Config.fromfile(SMOKE['swin']).model
    cfg.type = 'mmpretrain.SimMIM'
    cfg.pop('mask_ratio'), cfg.pop('mask_patch_size')
    theirs = MODELS.build(cfg)
    theirs.load_state_dict(ours.state_dict())
    images = torch.randn(2, 3, 64, 64)
    samples = [DataSample().set_mask(m) for m in ours.draw_mask(images)]
    assert torch.allclose(ours.loss(images, samples)['loss'], theirs.loss(images, samples)['loss'], atol=1e-6)
