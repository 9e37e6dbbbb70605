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
from mimbench.smoke import load_smoke

D = 'configs/pretrain/simmim/'
FULL = {'swin': D + 'simmim_swin-base-w6_8xb256-coslr-100e_in1k-192px.py',
        'vit': D + 'simmim_vit-base-p16_8xb256-coslr-800e_in1k.py'}


def smoke_model(kind):
    torch.manual_seed(0)
    model = MODELS.build(load_smoke(FULL[kind]).model)   # the recipe's smoke twin (mimbench.smoke)
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


def test_vit_is_simmim_s_beit_layout():
    """simmim.txt Sec. 4.2 ViT-B as the release builds it (configs/vit_base__800ep): no absolute position
    embedding, one shared relative position bias, layer scale 0.1, q/v biases, final norm, mask token."""
    vit = smoke_model('vit').backbone
    keys = set(vit.state_dict())
    assert 'pos_embed' not in keys and 'rel_pos_bias.relative_position_bias_table' in keys
    assert not any(k.endswith('attn.relative_position_bias_table') for k in keys)        # shared
    assert {'layers.0.attn.q_bias', 'layers.0.attn.v_bias', 'mask_token', 'cls_token', 'ln1.weight'} <= keys
    assert vit.layers[0].attn.qkv.bias is None
    assert torch.all(vit.layers[0].gamma_1 == 0.1) and torch.all(vit.layers[3].gamma_2 == 0.1)
    assert vit.ln1.eps == 1e-6


def test_vit_pretraining_decays_weights_as_the_release():
    """Release optimizer.py: no decay on 1-D tensors and on pos_embed/cls_token; the ViT's mask token and
    shared relative position table are decayed."""
    from mmengine.optim import build_optim_wrapper
    cfg = load_smoke(FULL['vit'])
    model = smoke_model('vit')
    groups = build_optim_wrapper(model, cfg.optim_wrapper).optimizer.param_groups
    names = {id(p): n for n, p in model.named_parameters()}
    decayed = {names[id(p)] for g in groups if g['weight_decay'] > 0 for p in g['params']}
    expected = {n for n, p in model.named_parameters() if p.ndim > 1 and n != 'backbone.cls_token'}
    assert decayed == expected
    assert {'backbone.mask_token', 'backbone.rel_pos_bias.relative_position_bias_table'} <= decayed


def test_vit_checkpoint_loads_strictly_into_the_simmim_vit_b_recipe_with_the_same_features(tmp_path):
    """A smoke pre-training run's checkpoint -> SimMIM's ViT-B fine-tuning encoder (mmpretrain.BEiTViT, one
    relative position table per block) at the same size: every tensor loads (the shared table copied into
    each block), and every block computes what the pre-training encoder's block computes."""
    from mimbench.checkpoints import load_backbone_checkpoint
    from mimbench.checkpoints.facts import describe_checkpoint, fitting_recipe
    from mimbench.checkpoints.formats import read_checkpoint
    from mimbench.datasets.synthetic import make_imagenet
    from mimbench.pretrain import run_pretrain
    from mimbench.transfer.tasks import task_config

    make_imagenet(tmp_path / 'in1k')
    from mimbench.smoke import write_smoke_config
    smoke_cfg = write_smoke_config(FULL['vit'], tmp_path / 'smoke.py')
    ckpt = run_pretrain(smoke_cfg, tmp_path / 'work', tmp_path / 'in1k',
                        cfg_options={'train_cfg.max_epochs': 1, 'log_level': 'WARNING'})
    recipe = task_config('in1k', 'vit-b', 'full', method='simmim')
    backbone = Config.fromfile(recipe).model.backbone
    assert backbone.type == 'mmpretrain.BEiTViT' and backbone.use_rel_pos_bias
    smoke = dict(embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384)   # vit-smoke
    backbone.update(arch=smoke, img_size=64, init_cfg=None)
    finetune = MODELS.build(backbone)
    finetune.eval()
    report = load_backbone_checkpoint(finetune, ckpt, sha256=False)
    model_keys = set(finetune.state_dict())
    assert set(report.new) <= {'ln2.weight', 'ln2.bias'} | {k for k in model_keys if k.endswith('_index')}
    assert set(report.loaded) == {k for k in model_keys if k not in report.new}
    assert {'mask_token', 'ln1.weight', 'ln1.bias'} <= set(report.dropped)    # pre-training / unused norm

    pretrain = smoke_model('vit')
    pretrain.load_state_dict(read_checkpoint(ckpt)['state_dict'])
    encoder = pretrain.backbone
    encoder.eval()
    outputs = {'pretrain': [], 'finetune': []}
    for name, vit in (('pretrain', encoder), ('finetune', finetune)):
        for layer in vit.layers:
            layer.register_forward_hook(lambda m, i, o, name=name: outputs[name].append(o))
    images = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        encoder(images)
        pooled = finetune(images)[0]
    for a, b in zip(outputs['pretrain'], outputs['finetune'], strict=True):
        assert torch.allclose(a, b, atol=1e-5), (a - b).abs().max()
    with torch.no_grad():   # mean pooling + the new norm over the same last-block tokens
        assert torch.allclose(pooled, finetune.ln2(outputs['pretrain'][-1][:, 1:].mean(1)), atol=1e-5)
    facts = describe_checkpoint(ckpt)
    assert (facts.method, facts.backbone, facts.layout) == ('simmim', 'vit-smoke', 'beit')
    assert fitting_recipe(facts, 'in1k', 'vit-b', 'full', 'simmim') == (recipe, None)

    # SimMIM's intermediate-layer linear probe (simmim.txt Sec. 4.2) probes the same encoder
    probe = Config.fromfile(task_config('in1k', 'vit-b', 'full', 'linear-block', method='simmim')).model
    probe.backbone.update(arch=smoke, img_size=64, frozen_stages=4, init_cfg=None)
    probe.blocks = [1, 2, 3, 4]
    probe = MODELS.build(probe)
    load_backbone_checkpoint(probe, ckpt, sha256=False)
    features = probe.extract_feat(images)
    for block, feature in enumerate(features):
        tokens = outputs['pretrain'][block]
        tokens = encoder.ln1(tokens) if block == 3 else tokens   # the last block's through the final norm
        expected = torch.cat([tokens[:, 0], tokens[:, 1:].mean(1)], dim=-1)
        assert torch.allclose(feature, expected, atol=1e-5), block

    # evaluate plans per protocol: --tasks all keeps the ImageNet runs this layout has a recipe for and says
    # why it leaves the rest; a protocol named explicitly whose recipe builds another ViT is refused
    from mimbench.cli import main
    common = ['evaluate', '--checkpoint', str(ckpt), '--scale', 'smoke', '--dry-run',
              '--work-dir', str(tmp_path / 'eval')]
    assert main([*common, '--tasks', 'all']) == 0
    planned = {p.parent.name for p in (tmp_path / 'eval' / 'simmim_vit-smoke').glob('*/*.py')}
    assert 'in1k' in planned and not planned & {'coco', 'ade20k', 'inat2017', 'places365'}
    assert main([*common, '--tasks', 'in1k', '--protocols', 'in1k=linear-block']) == 0
    assert main([*common, '--tasks', 'in1k', '--protocols', 'in1k=linear']) == 2
    assert main([*common, '--tasks', 'coco']) == 2

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
    cfg = load_smoke(FULL['swin']).model
    cfg.type = 'mmpretrain.SimMIM'
    cfg.pop('mask_ratio'), cfg.pop('mask_patch_size')
    theirs = MODELS.build(cfg)
    theirs.load_state_dict(ours.state_dict())
    images = torch.randn(2, 3, 64, 64)
    samples = [DataSample().set_mask(m) for m in ours.draw_mask(images)]
    assert torch.allclose(ours.loss(images, samples)['loss'], theirs.loss(images, samples)['loss'], atol=1e-6)


# ---------------------------------------------------------------- the knobs of the ablations (simmim.txt 1-5)

def _cells(mask: np.ndarray, cell: int) -> np.ndarray:
    """Token mask [h, w] (4-px tokens) -> cell grid, asserting every cell is all masked or all visible."""
    scale = cell // 4
    h = mask.shape[0] // scale
    blocks = mask.reshape(h, scale, h, scale).transpose(0, 2, 1, 3).reshape(h, h, -1)
    assert np.all(blocks.min(-1) == blocks.max(-1))
    return blocks[..., 0]


def test_cell_mask_strategies_simmim_table1():
    from mimbench.models.masking import CellMaskGenerator, avg_dist, upsample_mask
    np.random.seed(0)
    torch.manual_seed(0)
    square = _cells(CellMaskGenerator(192, 32, 4, 4 / 36, 'square')({})['mask'], 32)
    rows, cols = np.nonzero(square)
    assert square.sum() == 4 and np.ptp(rows) == 1 and np.ptp(cols) == 1    # one 2 x 2 square of 32-px cells
    assert _cells(CellMaskGenerator(192, 32, 4, 16 / 36, 'square')({})['mask'], 32).sum() == 16
    block = _cells(CellMaskGenerator(192, 16, 4, 0.4, 'block')({})['mask'], 16)
    assert 50 <= block.sum() <= math.ceil(0.4 * 144)                          # BEiT's blocks of 16-px cells
    random = _cells(CellMaskGenerator(192, 4, 4, 0.4, 'random')({})['mask'], 4)
    assert random.sum() == math.ceil(0.4 * 48 * 48)
    assert _cells(CellMaskGenerator(192, 64, 4, 0.1, 'random')({})['mask'], 64).sum() == 1   # 1 of 3 x 3
    # simmim.txt Fig. 3a: at one ratio, AvgDist grows with the masked patch size
    dists = [avg_dist(upsample_mask(torch.as_tensor(CellMaskGenerator(192, p, 4, 0.6)({})['mask']), 4))
             for p in (4, 16, 32)]
    assert dists[0] < dists[1] < dists[2]
    with pytest.raises(ValueError, match='strategy must be one of'):
        CellMaskGenerator(strategy='grid')


def _token_mask(n=2, size=64):
    from mimbench.models.masking import random_cell_mask
    return random_cell_mask(n, size, 32, 4, 0.5)                                  # [N, 16, 16]


def test_pixel_head_resolution_and_loss_area_simmim_tables_3_4_5():
    import torch.nn.functional as F
    from mmpretrain.models.heads import SimMIMHead

    from mimbench.models.simmim_heads import SimMIMPixelHead
    torch.manual_seed(0)
    images, mask = torch.randn(2, 3, 64, 64), _token_mask()
    pred = torch.randn(2, 3, 64, 64)
    theirs = SimMIMHead(4, dict(type='mmpretrain.PixelReconstructionLoss', criterion='L1', channel=3))
    assert SimMIMPixelHead(4).loss(pred, images, mask).item() == pytest.approx(
        theirs.loss(pred, images, mask).item(), rel=1e-6)                        # the default, unchanged
    small = torch.randn(2, 3, 16, 16, requires_grad=True)                        # prediction at 1/4 (Table 3)
    loss = SimMIMPixelHead(4).loss(small, images, mask)
    m16 = mask.repeat_interleave(4, 1).repeat_interleave(4, 2).reshape(2, 16, 4, 16, 4)[:, :, 0, :, 0]
    m16 = m16.unsqueeze(1).expand(-1, 3, -1, -1).bool()
    expected = (small - F.avg_pool2d(images, 4)).abs()[m16].mean()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    loss.backward()
    assert torch.all(small.grad[~m16] == 0)
    full = torch.randn(2, 3, 64, 64, requires_grad=True)                         # Table 4: full image
    SimMIMPixelHead(4, loss_area='full').loss(full, images, mask).backward()
    assert torch.all(full.grad != 0)
    for criterion, reference in (('l2', F.mse_loss), ('smooth_l1', F.smooth_l1_loss)):
        loss = SimMIMPixelHead(4, criterion=criterion, loss_area='full').loss(pred, images, mask)
        assert loss.item() == pytest.approx(reference(pred, images).item(), rel=1e-5)


def test_bin_cluster_and_token_targets_simmim_table5():
    import torch.nn.functional as F

    from mimbench.models.simmim_heads import SimMIMBinHead, SimMIMClusterHead, SimMIMTokenHead
    rgb = dict(mean=(0., 0., 0.), std=(1., 1., 1.))                              # inputs hold RGB 0-255
    images = torch.full((1, 3, 64, 64), 200.)
    images[:, 0] = 0.
    images[:, 2, :, :32] = 255.
    bins = SimMIMBinHead(4, num_bins=8, **rgb).target_bins(images, (64, 64))
    assert bins[0, 0].unique().tolist() == [0] and bins[0, 1].unique().tolist() == [200 * 8 // 256]
    assert bins[0, 2, :, :32].unique().tolist() == [7]                           # 255: the last bin
    mask = _token_mask(1)
    pred = torch.randn(1, 3 * 8, 64, 64, requires_grad=True)
    loss = SimMIMBinHead(4, num_bins=8, **rgb).loss(pred, images, mask)
    m = mask.repeat_interleave(4, 1).repeat_interleave(4, 2)[0].bool()           # [64, 64]
    ce = F.cross_entropy(pred.detach().view(1, 3, 8, 64, 64).transpose(1, 2), bins, reduction='none')
    assert loss.item() == pytest.approx(ce[0][:, m].mean().item(), rel=1e-5)
    loss.backward()
    assert torch.all(pred.grad[0][:, ~m] == 0)

    clusters = SimMIMClusterHead(4, num_clusters=2, **rgb)
    clusters.centers.copy_(torch.tensor([[-1., -1., -1.], [1., 1., 1.]]))      # black and white
    ids = clusters.target_ids(torch.cat([torch.zeros(1, 3, 8, 8), torch.full((1, 3, 8, 8), 250.)]), (8, 8))
    assert ids[0].unique().tolist() == [0] and ids[1].unique().tolist() == [1]

    tokens = SimMIMTokenHead(4, tokenizer=dict(type='mimbench.DALLETokenizer', n_hid=8), **rgb)
    ids = tokens.target_ids(torch.rand(2, 3, 64, 64) * 255, (2, 2))
    assert ids.shape == (2, 2, 2)                                       # one token per predicted position


def test_cluster_file_is_read_and_checked(tmp_path):
    from mimbench.models.simmim_heads import SimMIMClusterHead
    centers = np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)
    np.save(tmp_path / 'kmeans_centers.npy', centers)
    head = SimMIMClusterHead(4, clusters=str(tmp_path / 'kmeans_centers.npy'), num_clusters=4)
    head.init_weights()
    assert np.array_equal(head.centers.numpy(), centers)
    with pytest.raises(ValueError, match='expected colour centres of shape'):
        SimMIMClusterHead(4, clusters=str(tmp_path / 'kmeans_centers.npy'), num_clusters=512).init_weights()
    with pytest.raises(FileNotFoundError, match='kmeans_centers.npy of the iGPT release'):
        SimMIMClusterHead(4, clusters=str(tmp_path / 'missing.npy')).init_weights()


@pytest.mark.parametrize('variant,expected', [(None, 89.9e6), ('2-layer-mlp', 90.9e6),
                                              ('inverse-swin-t', 115.2e6), ('inverse-swin-b', 174.8e6)])
def test_prediction_heads_have_the_parameter_counts_of_simmim_table2(variant, expected):
    path = FULL['swin'] if variant is None else \
        f'{D}ablation/simmim_swin-base-w6_8xb256-coslr-100e_in1k-192px_{variant}.py'
    n = count_params(build_without_init(Config.fromfile(path).model))
    assert abs(n - expected) / expected < 0.005, f'{variant}: {n / 1e6:.1f}M vs {expected / 1e6:.1f}M'


def test_inverse_swin_decoder_predicts_the_full_image():
    from mimbench.models.simmim_heads import InverseSwinDecoder
    decoder = InverseSwinDecoder(in_channels=32, window_size=2,
                                 arch=dict(embed_dims=8, depths=[1, 1, 1, 1], num_heads=[1, 1, 1, 1]))
    assert decoder(torch.randn(2, 32, 2, 2)).shape == (2, 3, 64, 64)             # 6 x 6 -> 192 at full size
