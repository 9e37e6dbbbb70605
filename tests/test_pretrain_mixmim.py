"""MixMIM pre-training (mimbench.models.mixmim) against mixmim.txt Sec. 2 and 8.

Small sizes only: the mixmim-smoke encoder at 64 px (a 2x2 grid of 32x32 cells); full-size models are built
(parameter counts, configs) but never run forward.
"""
import types
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

import mimbench  # noqa: F401  (registers mimbench modules)
from mimbench.models.complexity import build_without_init
from mimbench.models.mixmim import MixMIMDualReconstructionHead, sample_mix_mask, upsample_mask
from mimbench.registry import MODELS
from mimbench.smoke import load_smoke

CONFIG_DIR = Path(__file__).resolve().parents[1] / 'configs' / 'pretrain' / 'mixmim'
SMOKE_ARCH = dict(embed_dims=32, depths=[1, 1, 2, 1], num_heads=[1, 2, 4, 8])


def _encoder(**kwargs):
    torch.manual_seed(0)
    enc = MODELS.build(dict(type='mimbench.MixMIMPretrainEncoder', arch=SMOKE_ARCH, img_size=64,
                            window_size=[4, 4, 4, 2], **kwargs))
    enc.init_weights()
    enc.eval()  # (mmpretrain's BaseBackbone.train returns None)
    return enc


def _model(**head):
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='mimbench.MixMIM',
        data_preprocessor=dict(type='mmpretrain.SelfSupDataPreprocessor', mean=[127.5] * 3, std=[127.5] * 3),
        backbone=dict(type='mimbench.MixMIMPretrainEncoder', arch=SMOKE_ARCH, img_size=64,
                      window_size=[4, 4, 4, 2]),
        neck=dict(type='mmpretrain.MixMIMPretrainDecoder', num_patches=4, encoder_stride=32, embed_dim=256,
                  decoder_embed_dim=64, decoder_depth=2, decoder_num_heads=2),
        head=dict(type='mimbench.MixMIMDualReconstructionHead', **head)))
    model.init_weights()
    return model


def _images(n=4, seed=0):
    return torch.randn(n, 3, 64, 64, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize('grid', [(7, 7), (2, 2), (6, 4)])
def test_mask_ratio_is_exact_per_sample_and_shared(grid):
    cells = grid[0] * grid[1]
    for shared in (False, True):
        m = sample_mix_mask(16, grid, 0.5, shared=shared, generator=torch.Generator().manual_seed(1))
        assert m.shape == (16, cells)
        assert set(m.unique().tolist()) <= {0.0, 1.0}
        # int(L * 0.5) cells from the partner in every sample: 24 of 49 at 224 px (mixmim.txt Sec. 2.2)
        assert (m == 0).sum(1).eq(int(cells * 0.5)).all()
        distinct = len({tuple(r.tolist()) for r in m})
        assert distinct == 1 if shared else distinct > 1


def test_mixing_uses_32px_cells_and_the_flipped_batch():
    """Token mixing == encoding the pixel-mixed image of Eq. 1 with M upsampled to 32x32-pixel cells."""
    enc = _encoder(masked_attention=False)
    x = _images()
    own = sample_mix_mask(4, (2, 2), 0.5, generator=torch.Generator().manual_seed(3))
    own_px = own.view(4, 1, 2, 2).repeat_interleave(32, 2).repeat_interleave(32, 3)     # [B, 1, 64, 64]
    x_mix = x * own_px + x.flip(0) * (1 - own_px)                                          # Eq. 1
    with torch.no_grad():
        got, _ = enc(x, mask=own)
        want, _ = enc(x_mix, mask=torch.ones_like(own))
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)
    # the mask reaches every stage by nearest upsampling: stage 1 (16x16 tokens of 4 px) has 8x8-token cells
    up = upsample_mask(own, (2, 2), (16, 16)).view(4, 16, 16)
    torch.testing.assert_close(up, own.view(4, 1, 2, 2).repeat_interleave(8, 2).repeat_interleave(8, 3)[:, 0])


@pytest.mark.parametrize('shared', [False, True], ids=['per-sample', 'shared'])
def test_partner_cannot_change_the_other_images_features(shared):
    """Masked self-attention (mixmim.txt Sec. 2.3): tokens attend only within their own image."""
    x = _images()
    x_other = x.clone()
    x_other[3] = torch.randn(3, 64, 64)                  # the partner of sample 0 (the batch flipped)
    own = sample_mix_mask(4, (2, 2), 0.5, shared=shared, generator=torch.Generator().manual_seed(5))
    keep, from_partner = own[0].bool(), ~own[0].bool()
    enc = _encoder()
    with torch.no_grad():
        a, _ = enc(x, mask=own)
        b, _ = enc(x_other, mask=own)
    torch.testing.assert_close(a[0, keep], b[0, keep], rtol=0, atol=1e-6)   # sample 0's own tokens
    assert (a[0, from_partner] - b[0, from_partner]).abs().max() > 1e-2     # the partner's tokens did change
    # sample 3's mixed image holds sample 0's tokens where own[3] == 0: unchanged too
    torch.testing.assert_close(a[3, ~own[3].bool()], b[3, ~own[3].bool()], rtol=0, atol=1e-6)
    # control: without the attention mask the partner leaks into the image's own tokens
    enc.masked_attention = False
    with torch.no_grad():
        a, _ = enc(x, mask=own)
        b, _ = enc(x_other, mask=own)
    assert (a[0, keep] - b[0, keep]).abs().max() > 1e-2


def _official_masking(mask_own):
    """mmpretrain's MixMIMPretrainTransformer.random_masking returning a given shared mask (1 = partner)."""
    def random_masking(self, x, ratio):
        m = (1 - mask_own[:1]).view(1, 1, 2, 2)
        outs = [F.interpolate(m, size=(2 * s, 2 * s), mode='nearest').reshape(1, -1, 1) for s in (8, 4, 2)]
        return (*outs, m.reshape(1, -1, 1))
    return random_masking


def test_shared_mask_matches_mmpretrain_encoder_and_official_loss():
    """With one mask per batch the encoder equals mmpretrain's port of the official code, and Eq. 2 equals
    the official 'unmix then average over all tokens' loss (every composite token is a masked prediction)."""
    from mmpretrain.models.heads import MixMIMPretrainHead
    from mmpretrain.models.selfsup.mixmim import MixMIMPretrainTransformer

    model = _model()
    model.eval()
    x = _images()
    own = sample_mix_mask(4, (2, 2), 0.5, shared=True, generator=torch.Generator().manual_seed(7))
    enc = model.backbone
    with torch.no_grad():
        ours, _ = enc(x, mask=own)
        enc.random_masking = types.MethodType(_official_masking(own), enc)
        ref, ref_mask = MixMIMPretrainTransformer.forward(enc, x)
        torch.testing.assert_close(ours, ref, rtol=1e-5, atol=1e-5)

        pred, _ = model.forward_mixed(x, mask=own)
        official = MixMIMPretrainHead(loss=dict(type='PixelReconstructionLoss', criterion='L2'),
                                      norm_pix=True, patch_size=32)
        torch.testing.assert_close(model.head.loss(pred, x, own), official.loss(pred, x, ref_mask))


def test_loss_is_taken_only_at_masked_tokens():
    """Eq. 2: x1 is scored where M = 0, x2 = the partner where M = 1; nothing else gets a gradient."""
    head = MixMIMDualReconstructionHead()
    x = _images()
    own = sample_mix_mask(4, (2, 2), 0.5, generator=torch.Generator().manual_seed(9))
    target = head.construct_target(x)                                        # [B, 4, 3072]
    torch.testing.assert_close(target.mean(-1), torch.zeros(4, 4), rtol=0, atol=1e-4)  # normalised pixels
    pred = torch.randn(8, 4, 32 * 32 * 3, requires_grad=True)
    loss = head.loss(pred, x, own)
    masked1, masked2 = (own == 0), (own == 1)
    want = torch.cat([((pred[:4] - target) ** 2).mean(-1)[masked1],
                      ((pred[4:] - target.flip(0)) ** 2).mean(-1)[masked2]]).mean()
    torch.testing.assert_close(loss, want)
    loss.backward()
    g = pred.grad.abs().sum(-1)                                              # [2B, L]
    assert (g[:4][~masked1] == 0).all() and (g[4:][~masked2] == 0).all()
    assert (g[:4][masked1] > 0).all() and (g[4:][masked2] > 0).all()
    # Table 7 ablation: no dual reconstruction scores x1 only
    single = MixMIMDualReconstructionHead(dual=False).loss(pred.detach(), x, own)
    torch.testing.assert_close(single, ((pred[:4].detach() - target) ** 2).mean(-1)[masked1].mean())


def test_a_few_steps_on_a_fixed_batch_lower_the_loss():
    model = _model().train()
    x = _images()
    own = sample_mix_mask(4, (2, 2), 0.5, generator=torch.Generator().manual_seed(11))
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-3)
    losses = []
    for _ in range(8):
        pred, _ = model.forward_mixed(x, mask=own)
        loss = model.head.loss(pred, x, own)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0], losses
    out = model(x, mode='loss')                    # the runner's entry point, random per-sample mask
    assert out['loss'].ndim == 0 and torch.isfinite(out['loss'])


def test_encoder_checkpoint_loads_strictly_into_mmpretrain_backbone():
    """Contract with transfer: the backbone. weights are a mmpretrain.MixMIMTransformer."""
    enc = _encoder()
    plain = MODELS.build(dict(type='mmpretrain.MixMIMTransformer', arch=SMOKE_ARCH, img_size=64,
                              window_size=[4, 4, 4, 2]))
    plain.eval()
    plain.load_state_dict(enc.state_dict(), strict=True)
    x = _images(2)
    with torch.no_grad():
        torch.testing.assert_close(plain(x)[0], enc(x, mask=None)[0])


def test_mixmim_base_has_88m_parameters():
    enc = build_without_init(dict(type='mimbench.MixMIMPretrainEncoder', arch='base'))
    n = sum(p.numel() for p in enc.parameters())
    assert abs(n / 88e6 - 1) < 0.01, n              # mixmim.txt Table 2: 88M (encoder)


CONFIGS = sorted(CONFIG_DIR.glob('*.py'))


@pytest.mark.parametrize('path', CONFIGS, ids=[p.stem for p in CONFIGS])
def test_every_config_builds(path):
    cfg = Config.fromfile(str(path))
    model = build_without_init(cfg.model)
    enc = model.backbone
    assert type(enc).__name__ == 'MixMIMPretrainEncoder'
    assert model.neck.decoder_pred.out_features == 32 * 32 * 3                       # one 32x32 cell/token
    assert model.neck.decoder_embed.in_features == enc.num_features                  # linear C4 -> 512
    assert enc.mask_ratio == 0.5 and not enc.shared_mask and enc.masked_attention    # paper defaults
    assert len(model.neck.decoder_blocks) == 8 and model.neck.decoder_embed.out_features == 512
    assert enc.window_size == [14, 14, 14, 7]
    assert cfg.optim_wrapper.optimizer.lr == pytest.approx(1.5e-4 * 1024 / 256)
    assert cfg.train_dataloader.batch_size * 8 == 1024
    del model
    smoke = build_without_init(load_smoke(path).model)   # its smoke twin (mimbench.smoke): the same method
    assert smoke.neck.decoder_pred.out_features == 32 * 32 * 3 and smoke.neck.decoder_embed.in_features == 256
    assert (smoke.backbone.mask_ratio, smoke.backbone.shared_mask, smoke.backbone.masked_attention) == \
        (0.5, False, True)


def test_smoke_config_trains_with_the_runner(tmp_path):
    from mimbench.datasets.synthetic import make_imagenet
    from mimbench.runner import build_runner
    data = make_imagenet(tmp_path / 'images', num_classes=2, images_per_class=4)   # 8 training images
    cfg = load_smoke(CONFIG_DIR / 'mixmim_mixmim-base_8xb128-coslr-600e_in1k.py')
    cfg.train_dataloader.dataset.data_root = str(data)
    cfg.log_level = 'WARNING'
    runner = build_runner(cfg, work_dir=str(tmp_path / 'work'))
    runner.train()
    ckpt = torch.load(tmp_path / 'work' / 'epoch_1.pth', map_location='cpu', weights_only=False)
    keys = {k[len('backbone.'):] for k in ckpt['state_dict'] if k.startswith('backbone.')}
    plain = MODELS.build(dict(type='mmpretrain.MixMIMTransformer', arch=SMOKE_ARCH, img_size=64,
                              window_size=[4, 4, 4, 2]))
    assert keys == set(plain.state_dict())
    assert any(k.startswith('neck.') for k in ckpt['state_dict'])    # decoder kept for resuming


@pytest.mark.parametrize('mask_batch', [3, 1])
def test_fused_and_plain_attention_agree(mask_batch):
    """The GPU path (SDPA with the additive bias) computes what the CPU path computes, gradients included,
    for per-sample and batch-shared masks."""
    from mimbench.models.mixmim import masked_attention
    g = torch.Generator().manual_seed(13)
    q, k, v = (torch.randn(6, 2, 16, 8, generator=g, requires_grad=True) for _ in range(3))  # B=3, nW=2
    bias = torch.randn(1, 2, 16, 16, generator=g, requires_grad=True)
    group = torch.randint(0, 2, (mask_batch, 2, 16), generator=g)
    allowed = (group.unsqueeze(-1) == group.unsqueeze(-2)).unsqueeze(2)                 # [Bm, nW, 1, N, N]
    results = []
    for fused in (True, False):
        out = masked_attention(q, k, v, bias, allowed, 8 ** -0.5, fused=fused)
        grads = torch.autograd.grad(out.square().sum(), (q, k, v, bias))
        results.append((out, *grads))
    for a, b in zip(*results):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
    # and both equal the textbook formula with -inf outside the allowed pairs
    scores = (q @ k.transpose(-2, -1)) * 8 ** -0.5 + bias
    scores = scores.view(3, 2, 2, 16, 16).masked_fill(~allowed, float('-inf')).view(6, 2, 16, 16)
    torch.testing.assert_close(results[1][0], scores.softmax(-1) @ v)


def test_reconstruction_figure_panels(tmp_path):
    from mimbench.models.reconstruction import save_reconstructions
    model = _model()
    model.eval()
    x = _images()
    torch.manual_seed(0)
    panels = model.reconstruct(x)
    assert list(panels) == ['mixed', 'masked', 'prediction', 'original']
    own = panels['masked'].ne(0).any(1, keepdim=True).float()          # [N, 1, H, W]: visible pixels of x1
    cells = own[:, 0, ::32, ::32].flatten(1)
    assert (cells == 0).sum(1).eq(2).all()                             # half of the 2x2 cells masked
    torch.testing.assert_close(panels['mixed'], x * own + x.flip(0) * (1 - own))
    torch.testing.assert_close(panels['prediction'] * own, x * own)      # visible cells pasted back
    assert (panels['prediction'] - x).abs().mul(1 - own).sum() > 0      # masked cells are predictions
    paths = save_reconstructions(model, torch.rand(2, 3, 64, 64) * 255, tmp_path)
    assert len(paths) == 2 and all(p.stat().st_size > 0 for p in paths)


def test_mix_embedding_and_ratio_range_options():
    """Sec. 2.3 mix embeddings (Table 10) live outside backbone.; Table 8's ratio range stays in range."""
    model = MODELS.build(dict(
        type='mimbench.MixMIM', mix_embedding=True,
        backbone=dict(type='mimbench.MixMIMPretrainEncoder', arch=SMOKE_ARCH, img_size=64,
                      window_size=[4, 4, 4, 2], masked_attention=False),
        neck=dict(type='mmpretrain.MixMIMPretrainDecoder', num_patches=4, encoder_stride=32, embed_dim=256,
                  decoder_embed_dim=64, decoder_depth=1, decoder_num_heads=2),
        head=dict(type='mimbench.MixMIMDualReconstructionHead')))
    assert [tuple(p.shape) for p in model.mix_embed] == [(2, 32), (2, 64), (2, 128), (2, 256)]
    assert not any(k.startswith('backbone.mix') for k in model.state_dict())
    loss = model.loss(_images())['loss']
    loss.backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.mix_embed)

    enc = build_without_init(dict(type='mimbench.MixMIMPretrainEncoder', arch=SMOKE_ARCH, img_size=224,
                                  mask_ratio_range=(0.4, 0.6)))
    counts = {int((enc.sample_mask(2, 'cpu')[0] == 0).sum()) for _ in range(50)}
    assert min(counts) >= int(49 * 0.4) and max(counts) <= int(49 * 0.6) and len(counts) > 1
    official = build_without_init(dict(type='mimbench.MixMIMPretrainEncoder', arch=SMOKE_ARCH, img_size=224,
                                       range_mask_ratio=0.1))   # mmpretrain's argument name
    assert official.mask_ratio_range == (0.5, 0.6)


def test_loss_is_fp32_under_bf16_autocast():
    model = _model()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        loss = model.loss(_images())['loss']
    assert loss.dtype == torch.float32 and torch.isfinite(loss)


def test_bad_sizes_are_refused_with_a_hint():
    with pytest.raises(ValueError, match='divisible by 32'):
        build_without_init(dict(type='mimbench.MixMIMPretrainEncoder', arch=SMOKE_ARCH, img_size=80))
    with pytest.raises(ValueError, match='window'):
        build_without_init(dict(type='mimbench.MixMIMPretrainEncoder', arch=SMOKE_ARCH, img_size=192))
    with pytest.raises(ValueError, match='expected images of'):
        _encoder()(torch.randn(2, 3, 96, 96))
