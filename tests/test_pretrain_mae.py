"""MAE pre-training (mae.txt Sec. 3, App. A.1): visible-only encoder, masked-patch loss, sizes, checkpoint."""
import copy

import numpy as np

import pytest
import torch
from mmengine.config import Config

import mimbench  # noqa: F401
from mimbench.models.complexity import build_without_init, count_params
from mimbench.registry import MODELS
from mimbench.smoke import load_smoke

FULL = {'b': ('configs/pretrain/mae/mae_vit-base-p16_8xb512-coslr-1600e_in1k.py', 86e6),     # mae.txt Table 3
        'l': ('configs/pretrain/mae/mae_vit-large-p16_8xb512-coslr-1600e_in1k.py', 304e6),
        'h': ('configs/pretrain/mae/mae_vit-huge-p14_8xb512-coslr-1600e_in1k.py', 632e6)}
VIT_SMOKE = dict(embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384)


def smoke_model(**backbone):
    cfg = load_smoke(FULL['b'][0]).model   # the ViT-B recipe's smoke twin (mimbench.smoke)
    cfg.backbone.update(backbone)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def test_encoder_sees_only_visible_tokens():
    model = smoke_model()
    seen = []
    model.backbone.layers[0].register_forward_hook(lambda m, inp, out: seen.append(inp[0].shape))
    images = torch.randn(2, 3, 64, 64)
    latent, mask, ids_restore = model.backbone(images)
    # 16 patches at 64 px / 16; 25% visible (mae.txt Sec. 3) + the auxiliary class token (App. A.1)
    assert seen == [torch.Size([2, 1 + 4, 96])]
    assert latent.shape == (2, 5, 96) and mask.shape == (2, 16) and torch.all(mask.sum(1) == 12)
    # the decoder gets all 16 positions back (mask tokens added there)
    assert model.neck(latent, ids_restore).shape == (2, 16, 16 * 16 * 3)


def test_mask_false_returns_plain_vit_features():
    """mmpretrain's MAEViT masks even with mask=False; ours returns the unmasked ViT output."""
    model = smoke_model()
    out = model.backbone(torch.randn(2, 3, 64, 64), mask=False)
    assert isinstance(out, tuple) and out[0].shape == (2, 17, 96)


def test_mask_token_encoder_sees_all_tokens_and_same_loss_form():
    model = smoke_model(type='mimbench.MAEViTMaskTokenEncoder')
    seen = []
    model.backbone.layers[0].register_forward_hook(lambda m, inp, out: seen.append(inp[0].shape))
    loss = model.loss(torch.randn(2, 3, 64, 64), [])['loss']
    assert seen == [torch.Size([2, 17, 96])] and torch.isfinite(loss)
    assert 'mask_token' in dict(model.backbone.named_parameters())


def test_loss_only_on_masked_patches():
    model = smoke_model()
    images = torch.randn(2, 3, 64, 64)
    preds = {}

    def keep(module, inp, out):
        out.retain_grad()
        preds['pred'] = out
    model.neck.register_forward_hook(keep)
    torch.manual_seed(1)
    loss = model.loss(images, [])['loss']
    loss.backward()
    grad = preds['pred'].grad.abs().sum(-1)                                          # [N, L]
    torch.manual_seed(1)
    _, mask, _ = model.backbone(images)                                              # same mask (same seed)
    assert torch.all(grad[mask == 0] == 0)                                           # visible: no gradient
    assert torch.all(grad[mask == 1] > 0)                                            # masked: all contribute


def test_norm_pix_target_is_per_patch_normalised():
    head = smoke_model().head
    target = head.construct_target(torch.rand(2, 3, 64, 64) * 5 + 3)                 # [N, L, p*p*3]
    assert torch.allclose(target.mean(-1), torch.zeros(2, 16), atol=1e-4)
    assert torch.allclose(target.std(-1), torch.ones(2, 16), atol=1e-2)


@pytest.mark.parametrize('encoder', ['mimbench.MAEViT', 'mimbench.MAEViTMaskTokenEncoder'])
def test_optimisation_lowers_loss_on_fixed_batch(encoder):
    model = smoke_model(type=encoder)
    images = torch.randn(4, 3, 64, 64)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

    def loss_value():
        torch.manual_seed(3)                                                         # fixed masks
        return model.loss(images, [])['loss']
    with torch.no_grad():
        before = loss_value().item()
    for _ in range(8):
        optimizer.zero_grad()
        loss_value().backward()
        optimizer.step()
    with torch.no_grad():
        after = loss_value().item()
    assert after < 0.9 * before, (before, after)


def test_encoder_checkpoint_loads_into_transfer_vit():
    from mmpretrain.models import VisionTransformer
    state = {f'backbone.{k}': v for k, v in smoke_model().backbone.state_dict().items()}
    vit = VisionTransformer(arch=VIT_SMOKE, img_size=64, patch_size=16)
    encoder = {k[len('backbone.'):]: v for k, v in state.items() if k.startswith('backbone.')}
    vit.load_state_dict(encoder, strict=True)
    assert torch.equal(vit.patch_embed.projection.weight, encoder['patch_embed.projection.weight'])


def test_reconstruct_panels():
    model = smoke_model()
    images = torch.randn(2, 3, 64, 64)
    torch.manual_seed(5)
    panels = model.reconstruct(images)
    assert list(panels) == ['masked', 'prediction', 'original']
    assert all(p.shape == images.shape for p in panels.values())
    # visible patches are the original ones in both the masked and the prediction panel
    torch.manual_seed(5)
    _, mask, _ = model.backbone(images)
    visible = model.head.unpatchify(1 - mask.unsqueeze(-1).expand(-1, -1, 768)).bool()
    assert torch.allclose(panels['prediction'][visible], images[visible])
    assert torch.all(panels['masked'][~visible] == 0)


@pytest.mark.parametrize('arch', ['b', 'l', 'h'])
def test_encoder_parameter_counts_match_paper(arch):
    path, expected = FULL[arch]
    backbone = copy.deepcopy(Config.fromfile(path).model.backbone)
    n = count_params(build_without_init(backbone))
    assert abs(n - expected) / expected < 0.01, f'ViT-{arch.upper()}: {n / 1e6:.1f}M vs {expected / 1e6:.0f}M'


def test_reconstruction_figure_png(tmp_path):
    from PIL import Image

    from mimbench.models.reconstruction import PANEL_GAP, TITLE_HEIGHT, save_reconstructions
    model = smoke_model()
    images = torch.randint(0, 256, (2, 3, 64, 64)).float()
    paths = save_reconstructions(model, images, tmp_path, prefix='mae')
    assert [p.name for p in paths] == ['mae_0.png', 'mae_1.png']
    figure = np.asarray(Image.open(paths[0]))
    assert figure.shape == (64 + TITLE_HEIGHT, 3 * 64 + 2 * PANEL_GAP, 3)
    original = figure[TITLE_HEIGHT:, 2 * (64 + PANEL_GAP):]
    assert np.abs(original.astype(int) - images[0].permute(1, 2, 0).numpy()).max() <= 1   # last panel = input


def test_reconstruction_cli_with_simmim(tmp_path, smoke_file):
    from PIL import Image

    from mimbench.models.reconstruction import main
    pixels = np.random.default_rng(0).integers(0, 255, (80, 96, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / 'a.png')
    assert main([smoke_file('configs/pretrain/simmim/simmim_vit-base-p16_8xb256-coslr-800e_in1k.py'), '',
                 str(tmp_path / 'a.png'), '--out', str(tmp_path / 'fig')]) == 0
    assert len(list((tmp_path / 'fig').glob('*.png'))) == 1


def test_complexity_table_and_mask_token_flops(tmp_path, smoke_file):
    """The mask-token encoder costs more FLOPs than the visible-only one (mae.txt Table 1(c))."""
    import pandas as pd

    from mimbench.models.complexity import _LossForward, complexity_table, count_flops, write_table
    table = complexity_table([smoke_file(FULL['b'][0])])
    expected = count_params(smoke_model().backbone) / 1e6
    assert table.loc[0, 'encoder_params_M'] == pytest.approx(expected, abs=0.01)
    assert table.loc[0, 'encoder_GFLOPs'] > 0
    csv, md = write_table(table, tmp_path)
    assert pd.read_csv(csv).shape == table.shape and md.read_text().startswith('| config |')
    images = torch.randn(1, 3, 64, 64)
    visible = count_flops(_LossForward(smoke_model().eval()), images)
    token_model = smoke_model(type='mimbench.MAEViTMaskTokenEncoder').eval()
    with_tokens = count_flops(_LossForward(token_model), images)
    assert with_tokens > 1.5 * visible


def test_speed_benchmark_one_tiny_iteration(tmp_path, smoke_file):
    """benchmarks/pretrain_speed.py runs end to end (one step, smoke size); speed is not asserted."""
    import importlib.util
    import json
    spec = importlib.util.spec_from_file_location('pretrain_speed', 'benchmarks/pretrain_speed.py')
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    smoke = smoke_file(FULL['b'][0])
    assert bench.main(['--configs', smoke, '--steps', '1', '--rounds', '1', '--warmup', '0',
                       '--batch-size', '2', '--no-isolate', '--out', str(tmp_path)]) == 0
    rows = [json.loads(line) for line in (tmp_path / 'speed.jsonl').read_text().splitlines()]
    assert [r['variant'] for r in rows] == ['mimbench', 'mmpretrain', 'mask-token encoder']
    assert all(r['img_per_s'] > 0 and r['train_TFLOP_per_s'] > 0 and r['round_spread'] == 1.0 for r in rows)
    assert rows[1]['flop_ratio'] == pytest.approx(1.0)                  # same method, same FLOPs
    assert rows[2]['flop_ratio'] > 1.5                                               # mask tokens cost FLOPs


def test_same_loss_as_mmpretrain_mae():
    """Same weights and seed: mimbench.MAE computes exactly mmpretrain's MAE loss (same masking draw)."""
    ours = smoke_model()
    cfg = load_smoke(FULL['b'][0]).model
    cfg.type, cfg.backbone.type = 'mmpretrain.MAE', 'mmpretrain.MAEViT'
    theirs = MODELS.build(cfg)
    theirs.load_state_dict(ours.state_dict())
    images = torch.randn(2, 3, 64, 64)
    torch.manual_seed(7)
    a = ours.loss(images, [])['loss']
    torch.manual_seed(7)
    b = theirs.loss(images, [])['loss']
    assert torch.allclose(a, b, atol=1e-6)


# ---------------------------------------------------------------- the knobs of mae.txt Table 1's ablations

def _boundary(mask: torch.Tensor, grid: int) -> float:
    """Mean number of 4-neighbour token pairs with one masked and one visible token: small for blocks."""
    m = mask.view(-1, grid, grid)
    return float((m[:, 1:] != m[:, :-1]).sum() + (m[:, :, 1:] != m[:, :, :-1]).sum()) / len(m)


def test_block_and_grid_sampling_mask_exact_counts_mae_table1f():
    from mimbench.models.masking import (block_token_mask, grid_token_mask, random_token_shuffle,
                                         shuffle_from_mask)
    np.random.seed(0)
    block = block_token_mask(16, 14, 147)                                    # 75% of 14 x 14 (mae.txt Fig. 6)
    assert torch.all(block.sum(1) == 147)                                    # exact: equal visible counts
    random = random_token_shuffle(16, 196, 0.75)[2]
    assert _boundary(block, 14) < 0.6 * _boundary(random, 14)                # blocks, not scattered tokens
    grid = grid_token_mask(2, 14)
    keep = (1 - grid[0]).view(14, 14)
    assert keep.sum() == 49 and torch.all(keep[::2, ::2] == 1)               # one of every 2 x 2 kept
    ids_keep, ids_restore, mask = shuffle_from_mask(block[:2])
    assert ids_keep.shape == (2, 49)
    assert torch.all(torch.gather(block[:2], 1, ids_keep) == 0)              # kept tokens: the visible ones
    order = torch.arange(196).expand(2, -1)
    shuffled = torch.gather(order, 1, torch.argsort(ids_restore, 1))
    assert torch.equal(torch.gather(shuffled, 1, ids_restore), order)       # ids_restore undoes the shuffle


@pytest.mark.parametrize('mode,ratio', [('block', 0.5), ('grid', 0.75)])
def test_encoder_sees_only_the_visible_tokens_of_other_samplings(mode, ratio):
    model = smoke_model(mask_mode=mode, mask_ratio=ratio)
    seen = []
    model.backbone.layers[0].register_forward_hook(lambda m, inp, out: seen.append(inp[0].shape))
    latent, mask, ids_restore = model.backbone(torch.randn(2, 3, 64, 64))
    visible = int(16 * (1 - ratio))
    assert seen == [torch.Size([2, 1 + visible, 96])] and torch.all(mask.sum(1) == 16 - visible)
    if mode == 'grid':
        assert torch.equal(mask[0], torch.tensor([0., 1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1]))
    with pytest.raises(ValueError, match='mask_ratio must be 0.75'):
        smoke_model(mask_mode='grid', mask_ratio=0.5)


def test_pca_target_is_the_leading_principal_coefficients_mae_table1d():
    from mimbench.models.mae_targets import MAEPCAHead
    head = MAEPCAHead(loss=dict(type='mmpretrain.PixelReconstructionLoss', criterion='L2'), num_components=5,
                      patch_size=4)
    torch.manual_seed(0)
    images = torch.randn(3, 3, 16, 16) @ torch.randn(16, 16)                 # correlated pixels
    target = head.construct_target(images)
    patches = head.patchify(images).reshape(-1, 48).double().numpy()
    values, vectors = np.linalg.eigh(np.cov(patches, rowvar=False, bias=True))
    expected = vectors[:, ::-1][:, :5].T                                     # the 5 largest, largest first
    axes = head.pca_axes.double().numpy()
    assert np.allclose(axes @ axes.T, np.eye(5), atol=1e-5)                  # orthonormal
    assert np.allclose(np.abs(axes @ expected.T), np.eye(5), atol=1e-4)      # the leading eigenvectors
    coefficients = (patches - patches.mean(0)) @ axes.T
    assert np.allclose(target.reshape(-1, 5).numpy(), coefficients, atol=1e-3)
    assert np.all(np.diff(coefficients.var(0)) < 0)                          # largest variance first
    head.construct_target(torch.randn(3, 3, 16, 16))                         # fitted once: axes kept
    assert np.array_equal(head.pca_axes.double().numpy(), axes)
    assert head.state_dict()['fitted'] and 'pca_axes' in head.state_dict()   # saved with the checkpoint


def test_token_target_is_cross_entropy_of_dvae_tokens_on_masked_patches_mae_table1d():
    import torch.nn.functional as F

    from mimbench.models.mae_targets import MAETokenHead
    torch.manual_seed(0)
    head = MAETokenHead(tokenizer=dict(type='mimbench.DALLETokenizer', n_hid=8), patch_size=16,
                        mean=(0., 0., 0.), std=(255., 255., 255.))           # inputs are RGB in [0, 1]
    images = torch.rand(2, 3, 64, 64)
    ids = head.target_ids(images)
    small = F.interpolate(images, size=(32, 32), mode='bilinear', align_corners=False, antialias=True)
    assert ids.shape == (2, 16) and torch.equal(ids, head.tokenizer.encode(small.clamp(0, 1)).flatten(1))
    pred = torch.randn(2, 16, 8192, requires_grad=True)
    mask = (torch.rand(2, 16) < 0.75).float()
    loss = head.loss(pred, images, mask)
    ce = F.cross_entropy(pred.detach().transpose(1, 2), ids, reduction='none')
    assert loss.item() == pytest.approx(((ce * mask).sum() / mask.sum()).item(), rel=1e-5)
    loss.backward()
    assert torch.all(pred.grad[mask == 0] == 0) and torch.all(pred.grad[mask == 1].abs().sum(-1) > 0)
    assert not any(p.requires_grad for p in head.tokenizer.parameters())     # frozen
