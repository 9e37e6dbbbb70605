"""CiM pre-training (mimbench.models.cim) against cim.txt Sec. 2 and Appendix A (Table 9).

Small sizes only: vit-smoke / resnet-smoke enhancers at 64 px (4x4 = 16 visual tokens) with a small random
VQ tokenizer; full-size models are built (parameter counts, configs) but never run forward.
"""
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

import mimbench  # noqa: F401  (registers mimbench modules)
from mimbench.models.cim import (
    gumbel_sample,
    random_count_mask,
    respix_loss,
    revdet_labels,
    sliding_window_normalize,
)
from mimbench.registry import MODELS
from mimbench.smoke import load_smoke, write_smoke_config

CONFIG_DIR = Path(__file__).resolve().parents[1] / 'configs' / 'pretrain' / 'cim'
VIT_SMOKE = dict(embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384)
PREPROCESSOR = dict(type='mmpretrain.SelfSupDataPreprocessor', mean=[123.675, 116.28, 103.53],
                    std=[58.395, 57.12, 57.375], to_rgb=True)


def _model(objective='respix', enhancer='vit', shared=2, seed=0, palette=False):
    torch.manual_seed(seed)
    if enhancer == 'vit':
        backbone = dict(type='mmpretrain.VisionTransformer', arch=VIT_SMOKE, img_size=64, patch_size=16,
                        out_type='featmap')
        channels, stride = 96, 16
    else:
        backbone = dict(type='mmpretrain.ResNet', depth=18, out_indices=(3,))
        channels, stride, shared = 512, 32, 0
    head = (dict(type='mimbench.CiMPixelHead', in_channels=channels, stride=stride) if objective == 'respix'
            else dict(type='mimbench.CiMTokenDetectionHead', in_channels=channels, stride=stride))
    model = MODELS.build(dict(
        type='mimbench.CiM', data_preprocessor=PREPROCESSOR, backbone=backbone, head=head, objective=objective,
        enhancer_loss_weight=10.0 if objective == 'respix' else 1.0, num_masked=(8, 10),
        num_shared_layers=shared,
        tokenizer=dict(type='mimbench.VQTokenizer', vocab_size=64, code_dims=16, channels=32, num_res_blocks=1),
        generator=dict(type='mimbench.CiMGenerator', embed_dims=96, num_layers=3, num_heads=3,
                       feedforward_channels=384, img_size=64)))
    model.init_weights()
    if palette:
        model.tokenizer = PaletteTokenizer()
    return model.train()


class PaletteTokenizer(torch.nn.Module):
    """A test tokenizer whose tokens are visible: token = nearest of 64 colours of an 8x8 cell, decoded as that
    colour. (A random VQ tokenizer paints every token a near-identical grey, which no enhancer can tell apart.)"""

    vocab_size, downsample = 64, 8

    def __init__(self):
        super().__init__()
        self.register_buffer('palette', torch.rand(64, 3, generator=torch.Generator().manual_seed(0)))

    def encode(self, images):                                                # [N, 3, H, W] -> [N, H/8, W/8]
        cells = F.avg_pool2d(images, 8).permute(0, 2, 3, 1)                  # [N, h, w, 3]
        return torch.cdist(cells.flatten(1, 2), self.palette[None]).argmin(-1).view(cells.shape[:3])

    def decode(self, ids):                                                   # [N, h, w] -> [N, 3, 8h, 8w]
        return F.interpolate(self.palette[ids].permute(0, 3, 1, 2), scale_factor=8, mode='nearest')


def _images(n=4, seed=0):
    """Smooth normalised images [N, 3, 64, 64] (structure the tokenizer and the enhancer can see)."""
    coarse = torch.randn(n, 3, 8, 8, generator=torch.Generator().manual_seed(seed))
    return F.interpolate(coarse, size=64, mode='bilinear', align_corners=False)


def test_random_count_mask_masks_k_distinct_positions_in_range():
    mask = random_count_mask(64, 196, (100, 120), generator=torch.Generator().manual_seed(0))
    counts = mask.sum(1)
    assert mask.dtype == torch.bool and mask.shape == (64, 196)
    assert counts.min() >= 100 and counts.max() <= 120 and counts.unique().numel() > 1   # cim.txt Table 9
    assert random_count_mask(8, 16, 8).sum(1).eq(8).all()
    with pytest.raises(ValueError, match='50%'):
        random_count_mask(2, 16, (8, 16))


def test_sampling_is_stochastic_and_follows_the_softmax():
    """cim.txt Sec. 2.1 / Table 7: sample from softmax at temperature 1 (not argmax, not uniform)."""
    logits = torch.tensor([2.0, 1.0, 0.0, -1.0]).expand(40000, 4)
    draws = gumbel_sample(logits, generator=torch.Generator().manual_seed(0))
    freq = torch.bincount(draws, minlength=4).float() / len(draws)
    torch.testing.assert_close(freq, logits[0].softmax(0), atol=0.01, rtol=0)
    sharper = torch.bincount(gumbel_sample(logits, temperature=0.5), minlength=4).float() / len(draws)
    torch.testing.assert_close(sharper, (logits[0] / 0.5).softmax(0), atol=0.01, rtol=0)

    # the same masked input gives different corrupted images (cim.txt Fig. 2: "four different corrupted images")
    model = _model()
    x = _images(2)
    golden = model.golden_tokens(x)
    mask = random_count_mask(2, 16, 8, generator=torch.Generator().manual_seed(1))
    logits = torch.zeros(2, 16, 64)                                           # uniform BEiT output
    (img_a, ids_a), (img_b, ids_b) = model.corrupt(x, golden, mask, logits), model.corrupt(x, golden, mask, logits)
    assert not torch.equal(ids_a, ids_b) and not torch.equal(img_a, img_b)
    assert torch.equal(ids_a[~mask], golden.flatten(1)[~mask])              # golden tokens kept where visible


def test_generator_gets_no_gradient_from_the_enhancer_loss():
    """cim.txt Sec. 2.3: "The gradients of the enhancer are not back-propagated through the generator"."""
    for shared in (0, 2):
        model = _model('respix', shared=shared)
        losses = model.loss(_images())
        losses['loss_enhancer'].backward()
        own = dict(model.generator.named_parameters())                        # generator's own parameters
        assert own and all(p.grad is None or not p.grad.any() for p in own.values()), shared
        assert not list(model.tokenizer.parameters())                       # frozen tokenizer: buffers only
        assert model.backbone.layers[-1].ffn.layers[1].weight.grad.abs().sum() > 0
        if shared:   # the shared patch embedding / first 2 layers are the enhancer's and learn from both losses
            assert not any(id(p) in {id(q) for q in own.values()} for p in model.backbone.parameters())
            model.zero_grad()
            model.loss(_images())['loss_generator'].backward()
            assert model.backbone.layers[1].attn.qkv.weight.grad.abs().sum() > 0
            assert model.backbone.layers[2].attn.qkv.weight.grad is None      # not shared
            assert model.backbone.patch_embed.projection.weight.grad.abs().sum() > 0


def test_sliding_window_normalisation_matches_a_direct_computation():
    """cim.txt Sec. 2.2: each pixel normalised by the 8x8 window around it (cut at the borders)."""
    x = torch.randn(1, 2, 11, 13, generator=torch.Generator().manual_seed(0))
    target, mean, std = sliding_window_normalize(x, 8)
    for i in (0, 3, 5, 10):
        for j in (0, 4, 12):
            win = x[0, :, max(i - 4, 0):i + 4, max(j - 4, 0):j + 4].flatten(1)     # rows i-4 .. i+3
            m, v = win.mean(1), win.var(1, unbiased=False)
            torch.testing.assert_close(mean[0, :, i, j], m)
            torch.testing.assert_close(target[0, :, i, j], (x[0, :, i, j] - m) / (v + 1e-6).sqrt())
    # per-channel affine changes (e.g. ImageNet normalisation) leave the target unchanged
    torch.testing.assert_close(sliding_window_normalize(3 * x + 7, 8)[0], target, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(target * std + mean, x, atol=1e-5, rtol=1e-5)


def test_respix_loss_is_l1_plus_l2_over_all_pixels():
    """cim.txt Sec. 2.2 "predict the pixel value for *all* positions"; Sec. 2.3 "l1 and l2"."""
    pred, target = torch.zeros(2, 3, 8, 8, requires_grad=True), torch.randn(2, 3, 8, 8)
    loss = respix_loss(pred, target)
    torch.testing.assert_close(loss, target.abs().mean() + target.pow(2).mean())
    loss.backward()
    assert (pred.grad != 0).all()                                            # every pixel contributes
    # in the model: the enhancer's output covers the image and every pixel gets a gradient
    model = _model('respix')
    x = _images(2)
    gen = model.generate(x)
    out = model.enhance(gen['corrupted']).detach().requires_grad_(True)
    assert out.shape == x.shape
    respix_loss(out, sliding_window_normalize(x, 8)[0]).backward()
    assert (out.grad != 0).float().mean() > 0.99


def test_revdet_labels_mark_exactly_the_replaced_tokens():
    """cim.txt Sec. 2.2: replaced iff the decoder's token differs from the golden one at that position."""
    golden = torch.tensor([[5, 6, 7, 8]])
    mask = torch.tensor([[True, True, False, False]])
    sampled = torch.tensor([[5, 9, 3, 3]])                                   # position 0 resampled to golden
    ids = torch.where(mask, sampled, golden)
    assert revdet_labels(ids, golden).tolist() == [[0.0, 1.0, 0.0, 0.0]]
    model = _model('revdet')
    x = _images()
    gen = model.generate(x)
    labels = revdet_labels(gen['ids'], gen['golden'])
    assert not labels[~gen['mask']].any()                                    # visible tokens are never replaced
    assert torch.equal(labels[gen['mask']].bool(), (gen['ids'] != gen['golden'])[gen['mask']])
    assert model.enhance(gen['corrupted']).shape == labels.shape             # one logit per visual token
    resnet = _model('revdet', enhancer='resnet')
    assert resnet.enhance(resnet.generate(x)['corrupted']).shape == (4, 16)  # 2x2 logits per stride-32 cell


@pytest.mark.parametrize('objective,enhancer', [('respix', 'vit'), ('revdet', 'vit'), ('respix', 'resnet')])
def test_a_few_steps_on_a_fixed_batch_lower_each_loss(objective, enhancer):
    """Same batch, mask and Gumbel noise every step; both networks updated together (cim.txt Sec. 2.3).

    For REVDET the generator is held still: while it learns, its samples and so the replaced/original labels
    change from step to step, and a 12-step BCE comparison would measure that drift, not the enhancer.
    """
    model = _model(objective, enhancer, palette=True)
    x = _images()
    train_generator = objective == 'respix'
    params = [p for n, p in model.named_parameters()
              if p.requires_grad and (train_generator or not n.startswith('generator.'))]
    opt = torch.optim.AdamW(params, lr=1e-3)
    history = []
    for _ in range(12):
        torch.manual_seed(0)                                                 # same mask and samples each step
        losses = model.loss(x)
        opt.zero_grad()
        (losses['loss_generator'] + losses['loss_enhancer']).backward()
        opt.step()
        history.append((losses['loss_generator'].item(), losses['loss_enhancer'].item()))
    first, last = history[0], history[-1]
    assert last[1] < 0.9 * first[1], history
    if train_generator:
        assert last[0] < 0.9 * first[0], history
    out = model(x, mode='loss')                                             # the runner's entry point
    assert set(out) == {'loss_generator', 'loss_enhancer', 'acc_generator', 'replaced_ratio'}


def test_enhancer_checkpoint_loads_strictly_into_mmpretrain_backbones():
    """Contract with transfer: ``backbone.`` is a plain mmpretrain ViT / ResNet, shared layers counted once."""
    model = _model('respix', shared=2)
    state = model.state_dict()
    backbone = {k[len('backbone.'):]: v for k, v in state.items() if k.startswith('backbone.')}
    vit = MODELS.build(dict(type='mmpretrain.VisionTransformer', arch=VIT_SMOKE, img_size=64, patch_size=16))
    vit.load_state_dict(backbone, strict=True)
    assert not any(k.startswith(('generator.patch_embed', 'generator.layers.2')) for k in state)
    assert any(k.startswith('generator.layers.0') for k in state)           # its own third layer, kept
    resnet = _model('revdet', enhancer='resnet').state_dict()
    plain = MODELS.build(dict(type='mmpretrain.ResNet', depth=18))
    plain.load_state_dict({k[len('backbone.'):]: v for k, v in resnet.items() if k.startswith('backbone.')})


def test_tokenizer_stays_frozen_and_in_eval_mode():
    model = _model()
    model.train()
    assert not model.tokenizer.training and model.backbone.training
    assert not list(model.tokenizer.parameters()) and 'tokenizer.decoder.0.weight' in model.state_dict()
    before = model.tokenizer.codebook.clone()
    model.loss(_images())
    assert torch.equal(model.tokenizer.codebook, before)                    # no EMA update inside CiM


def test_reconstruct_gives_the_four_panels_of_figure_3():
    model = _model().eval()
    x = _images(2)
    panels = model.reconstruct(x)
    assert list(panels) == ['original', 'masked', 'corrupted', 'output']
    assert all(p.shape == x.shape for p in panels.values())
    masked = model._to_unit(panels['masked'])
    assert (masked.flatten(1) == 0).float().mean(1).min() >= 8 / 16 * 0.99  # >= 8 of 16 patches blacked out


CONFIGS = sorted(CONFIG_DIR.glob('*.py'))
PARAMS = {'vit-base': 86e6, 'vit-small': 21.7e6, 'resnet50': 23.5e6}   # ViT-B 86M; DeiT-S and R-50 w/o classifier


@pytest.mark.parametrize('path', CONFIGS, ids=[p.stem for p in CONFIGS])
def test_every_config_builds(path):
    cfg = Config.fromfile(str(path))
    smoke = MODELS.build(load_smoke(path).model)        # its smoke twin (mimbench.smoke): the same method
    meta = 'resnet' not in path.stem                     # mmpretrain's ResNet cannot be built on 'meta'
    with torch.device('meta' if meta else 'cpu'):
        model = MODELS.build(cfg.model)
    if path.stem.startswith('vqtokenizer'):
        assert model.tokenizer.downsample == 8 == smoke.tokenizer.downsample
        return
    objective = 'respix' if 'respix' in path.stem else 'revdet'
    for m in (model, smoke):
        assert m.objective == objective and m.temperature == 1.0 and m.window_size == 8
        assert m.enhancer_loss_weight == {'respix': 10.0, 'revdet': 1.0}[objective]           # Table 9
        assert (m.masking, m.sampling, m.target_norm) == (model.masking, model.sampling, model.target_norm)
    assert smoke.num_masked == (8, 10)             # 50-60% of the 16 tokens at 64 px, as 100-120 of 196
    if 'vqtok' in path.stem:   # mimbench's own tokenizer, trained by the vqtokenizer config of this folder
        assert type(model.tokenizer).__name__ == 'VQTokenizer' and model.tokenizer.checkpoint.endswith('.pth')
    else:
        assert type(model.tokenizer).__name__ == 'DALLETokenizer' and model.tokenizer.vocab_size == 8192
    assert model.num_masked == (100, 120)                                                       # Table 9
    assert model.generator.num_layers == 4                                                      # Table 5
    arch = next(k for k in PARAMS if k in path.stem)
    n = sum(p.numel() for p in model.backbone.parameters())
    assert abs(n / PARAMS[arch] - 1) < 0.01, n
    width = model.generator.embed_dims
    assert width == (384 if arch == 'resnet50' else model.backbone.embed_dims)                 # Table 9
    assert model.generator.num_shared_layers == (0 if arch == 'resnet50' else 2)              # Table 5
    opt = cfg.optim_wrapper
    assert opt.optimizer.lr == 1.5e-3 and opt.optimizer.betas == (0.9, 0.98)                    # Table 9
    assert opt.optimizer.weight_decay == 0.05 and opt.clip_grad.max_norm == 3.0
    assert cfg.train_dataloader.batch_size * 16 == 2048 and cfg.train_cfg.max_epochs == 300
    assert cfg.param_scheduler[0].end == 10                                                     # warm-up


def test_smoke_config_trains_with_the_runner(tmp_path):
    from PIL import Image

    from mimbench.datasets.synthetic import make_imagenet
    from mimbench.runner import build_runner
    data = make_imagenet(tmp_path / 'images', num_classes=2, images_per_class=4)   # 8 training images
    config = write_smoke_config(CONFIG_DIR / 'cim-respix_vit-base-p16_16xb128-coslr-300e_in1k.py',
                                tmp_path / 'cim_smoke.py')
    cfg = Config.fromfile(str(config))
    cfg.train_dataloader.dataset.data_root = str(data)
    cfg.log_level = 'WARNING'
    runner = build_runner(cfg, work_dir=str(tmp_path / 'work'))
    runner.train()
    ckpt = torch.load(tmp_path / 'work' / 'epoch_1.pth', map_location='cpu', weights_only=False)
    keys = {k[len('backbone.'):] for k in ckpt['state_dict'] if k.startswith('backbone.')}
    plain = MODELS.build(dict(type='mmpretrain.VisionTransformer', arch=VIT_SMOKE, img_size=64, patch_size=16))
    assert keys == set(plain.state_dict())
    assert any(k.startswith('generator.') for k in ckpt['state_dict'])   # generator kept for resuming

    # the figure of cim.txt Fig. 3 from that checkpoint: original / masked / corrupted / output side by side
    from mimbench.models.reconstruction import load_model, save_reconstructions
    model, _ = load_model(str(config), str(tmp_path / 'work' / 'epoch_1.pth'))
    paths = save_reconstructions(model, torch.randint(0, 256, (2, 3, 64, 64)).float(), tmp_path / 'figures')
    assert len(paths) == 2 and Image.open(paths[0]).width == 4 * 64 + 3 * 4         # four panels, 4 px gaps


def test_ablation_options_of_tables_4_6_7():
    """Table 4 block-wise masking, Table 6 RESPIX targets, Table 7 sampling strategies, as config options."""
    from mimbench.models.cim import blockwise_count_mask, patch_normalize, respix_target, sample_replacements
    mask = blockwise_count_mask(8, (14, 14), (100, 120))
    assert mask.shape == (8, 196) and (mask.sum(1) - 110).abs().max() <= 10
    small = blockwise_count_mask(64, (4, 6), 12)                    # ends on a small, non-square grid
    assert small.shape == (64, 24) and small.sum(1).max() <= 12 and small.sum(1).float().mean() > 6
    logits = torch.randn(64, 8)
    assert torch.equal(sample_replacements(logits, 'argmax'), logits.argmax(-1))
    assert sample_replacements(torch.full((4000, 8), -1e4).index_fill(1, torch.tensor([0]), 1e4),
                               'uniform').unique().numel() == 8                # ignores the logits
    x = torch.randn(2, 3, 32, 32)
    patches = patch_normalize(x, 16).reshape(2, 3, 2, 16, 2, 16).permute(0, 2, 4, 1, 3, 5).reshape(2, 4, -1)
    torch.testing.assert_close(patches.mean(-1), torch.zeros(2, 4), atol=1e-5, rtol=0)   # MAE's per-patch target
    torch.testing.assert_close(patches.var(-1), torch.ones(2, 4), atol=1e-3, rtol=0)
    assert torch.equal(respix_target(x, 'none'), x)
    for options in (dict(masking='blockwise'), dict(sampling='argmax'), dict(target_norm='patch')):
        model = MODELS.build(dict(
            type='mimbench.CiM', data_preprocessor=PREPROCESSOR, num_masked=(8, 10), **options,
            backbone=dict(type='mmpretrain.VisionTransformer', arch=VIT_SMOKE, img_size=64, patch_size=16,
                          out_type='featmap'),
            head=dict(type='mimbench.CiMPixelHead', in_channels=96, stride=16),
            tokenizer=dict(type='mimbench.VQTokenizer', vocab_size=64, code_dims=16, channels=32, num_res_blocks=1),
            generator=dict(type='mimbench.CiMGenerator', embed_dims=96, num_layers=3, num_heads=3,
                           feedforward_channels=384, img_size=64)))
        losses = model.loss(_images(2))
        assert torch.isfinite(losses['loss_enhancer']), options
        assert model.reconstruct(_images(2))['output'].shape == (2, 3, 64, 64)
    with pytest.raises(ValueError, match='Table 7'):
        MODELS.build(dict(type='mimbench.CiM', backbone=dict(type='mmpretrain.ResNet', depth=18), head=None,
                          tokenizer=dict(type='mimbench.VQTokenizer'), generator=dict(type='mimbench.CiMGenerator'),
                          sampling='top-k'))
