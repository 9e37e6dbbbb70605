"""Layer ids, lr scales and weight decay of mimbench.LayerDecayOptimWrapperConstructor, checked against
hand-computed expectations for each family and rule, inside mmpretrain/mmdet/mmseg models."""
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from torch import nn

import mimbench.transfer.layer_decay  # noqa: F401  (registers the constructor)
from mimbench.transfer.layer_decay import layer_decay_rule_of, layer_decay_table

R = 0.5  # a rate whose powers are exact in binary
VIT = dict(type='mmpretrain.VisionTransformer', img_size=64, patch_size=16,
           arch=dict(embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384))
HIERARCHICAL = dict(embed_dims=32, depths=[1, 1, 2, 1], num_heads=[1, 2, 4, 8])
SWIN = dict(type='mmpretrain.SwinTransformer', arch=HIERARCHICAL, img_size=64, window_size=4,
            out_indices=(0, 1, 2, 3))
MIXMIM = dict(type='mmpretrain.MixMIMTransformer', arch=HIERARCHICAL, img_size=64, window_size=[4, 4, 4, 2])


def optim_cfg(**paramwise):
    return dict(optimizer=dict(type='AdamW', lr=1.0, weight_decay=0.05),
                constructor='mimbench.LayerDecayOptimWrapperConstructor', paramwise_cfg=paramwise)


def lr_and_wd(optim_wrapper, model):
    """{param name: (lr, weight_decay)} from the built optimizer's groups."""
    names = {id(p): n for n, p in model.named_parameters()}
    out = {}
    for group in optim_wrapper.optimizer.param_groups:
        for p in group['params']:
            out[names[id(p)]] = (group['lr'], group['weight_decay'])
    return out


def classifier(backbone, in_channels):
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    return MODELS.build(dict(type='ImageClassifier', backbone=backbone,
                             neck=dict(type='GlobalAveragePooling'),
                             head=dict(type='LinearClsHead', num_classes=5, in_channels=in_channels)))


def test_vit_in_mmpretrain_classifier_mae_rule():
    """MAE lr_decay.py: L=4 blocks -> ids 0..5, scale R**(5-id); head and final norm scale 1."""
    model = classifier(dict(VIT, out_type='cls_token'), 96)
    wrapper = build_optim_wrapper(model, optim_cfg(layer_decay_rate=R))
    got = lr_and_wd(wrapper, model)
    assert wrapper.layer_decay_rule == 'mae'
    assert got['backbone.cls_token'] == (R ** 5, 0.0)  # mmseg's trap: prefixed cls_token got decay
    assert got['backbone.pos_embed'] == (R ** 5, 0.0)
    assert got['backbone.patch_embed.projection.weight'] == (R ** 5, 0.05)
    assert got['backbone.layers.0.attn.qkv.weight'] == (R ** 4, 0.05)
    assert got['backbone.layers.0.ln1.weight'] == (R ** 4, 0.0)
    assert got['backbone.layers.3.ffn.layers.1.bias'] == (R ** 1, 0.0)
    assert got['backbone.ln1.weight'] == (1.0, 0.0)
    assert got['head.fc.weight'] == (1.0, 0.05)
    assert len(got) == len(list(model.parameters()))


def test_beit_vit_with_per_block_relative_position_bias_simmim_rule():
    """SimMIM's released ViT-B layout (mmpretrain BEiTViT: per-block relative position bias, layer scale, no
    absolute position embedding): block tensors take the block's id (SimMIM get_vit_layer), bias tables and
    layer scales get no weight decay."""
    beit = dict(type='BEiTViT', img_size=64, patch_size=16, use_abs_pos_emb=False, use_rel_pos_bias=True,
                use_shared_rel_pos_bias=False, layer_scale_init_value=0.1, out_type='avg_featmap',
                final_norm=False,
                arch=dict(embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384))
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    model = MODELS.build(dict(type='ImageClassifier', backbone=beit,
                              head=dict(type='LinearClsHead', num_classes=5, in_channels=96)))
    wrapper = build_optim_wrapper(model, optim_cfg(layer_decay_rate=R, rule='simmim'))
    got = lr_and_wd(wrapper, model)
    assert got['backbone.patch_embed.projection.weight'] == (R ** 5, 0.05)
    assert got['backbone.layers.0.attn.relative_position_bias_table'] == (R ** 4, 0.0)
    assert got['backbone.layers.3.gamma_1'] == (R ** 1, 0.0)
    assert got['backbone.layers.3.ffn.layers.0.0.weight'] == (R ** 1, 0.05)
    assert got['head.fc.weight'] == (1.0, 0.05)
    assert len(got) == len(list(model.parameters()))


def test_vit_mixmim_rule_scales_head_by_rate():
    model = classifier(dict(VIT, out_type='cls_token'), 96)
    got = lr_and_wd(build_optim_wrapper(model, optim_cfg(layer_decay_rate=R, rule='mixmim')), model)
    assert got['backbone.cls_token'][0] == R ** 5 and got['backbone.layers.3.attn.qkv.weight'][0] == R
    assert got['backbone.ln1.weight'][0] == R and got['head.fc.weight'][0] == R


SWIN_IDS = {  # depths [1, 1, 2, 1], B = 5 blocks, scale R ** (6 - id)
    'simmim': {'patch_embed.projection.weight': 0, 'stages.0.blocks.0.attn.w_msa.qkv.weight': 1,
               'stages.0.downsample.reduction.weight': 1, 'stages.1.blocks.0.norm1.weight': 2,
               'stages.1.downsample.reduction.weight': 2, 'stages.2.blocks.1.ffn.layers.1.weight': 4,
               'stages.2.downsample.reduction.weight': 4, 'stages.3.blocks.0.attn.w_msa.qkv.weight': 5,
               'norm3.weight': 6},
    'mixmim': {'patch_embed.projection.weight': 0, 'stages.0.blocks.0.attn.w_msa.qkv.weight': 1,
               'stages.0.downsample.reduction.weight': 2, 'stages.1.blocks.0.norm1.weight': 2,
               'stages.1.downsample.reduction.weight': 3, 'stages.2.blocks.1.ffn.layers.1.weight': 4,
               'stages.2.downsample.reduction.weight': 5, 'stages.3.blocks.0.attn.w_msa.qkv.weight': 5,
               'norm3.weight': 5},
}


@pytest.mark.parametrize('rule', ['simmim', 'mixmim'])
def test_swin_in_mmdet_mask_rcnn(rule):
    import mmdet
    from mmdet.registry import MODELS
    init_default_scope('mmdet')
    cfg = Config.fromfile(f'{mmdet.__path__[0]}/.mim/configs/_base_/models/mask-rcnn_r50_fpn.py').model
    cfg.backbone = SWIN
    cfg.neck.in_channels = [32, 64, 128, 256]
    model = MODELS.build(cfg)
    table, summary = layer_decay_table(model, R, rule=None if rule == 'simmim' else rule)
    assert summary['rule'] == rule and summary['encoder'] == 'backbone'
    assert {k: table[f'backbone.{k}']['layer_id'] for k in SWIN_IDS[rule]} == SWIN_IDS[rule]
    rest = 6 if rule == 'simmim' else 5
    assert table['neck.lateral_convs.0.conv.weight']['layer_id'] == rest
    assert table['roi_head.bbox_head.fc_cls.weight']['lr_scale'] == R ** (6 - rest)
    assert not table['backbone.stages.0.blocks.0.attn.w_msa.relative_position_bias_table']['decay']
    assert table['backbone.stages.0.downsample.reduction.weight']['decay']


def test_mixmim_in_mmseg_default_rule():
    from mmseg.registry import MODELS
    init_default_scope('mmseg')
    model = MODELS.build(dict(
        type='EncoderDecoder', backbone=MIXMIM,
        decode_head=dict(type='FCNHead', in_channels=256, channels=16, num_convs=1, num_classes=4,
                         norm_cfg=dict(type='BN', requires_grad=True))))
    wrapper = build_optim_wrapper(model, optim_cfg(layer_decay_rate=R))
    got = lr_and_wd(wrapper, model)
    assert wrapper.layer_decay_rule == 'mixmim'  # MixMIM lr_decay.py: merging joins the next stage
    assert got['backbone.patch_embed.projection.weight'][0] == R ** 6
    assert got['backbone.layers.0.blocks.0.attn.qkv.weight'][0] == R ** 5
    assert got['backbone.layers.0.downsample.reduction.weight'][0] == R ** 4
    assert got['backbone.layers.1.blocks.0.ln1.weight'] == (R ** 4, 0.0)
    assert got['backbone.layers.2.downsample.reduction.weight'][0] == R ** 1
    assert got['backbone.norm.weight'] == (R, 0.0)
    assert got['decode_head.conv_seg.weight'] == (R, 0.05)


def test_resnet_blocks_in_mmpretrain_classifier():
    """ResNet-18 stages [2, 2, 2, 2]: stem 0, residual block k -> k + 1, head 9."""
    model = classifier(dict(type='mmpretrain.ResNet', depth=18), 512)
    table, summary = layer_decay_table(model, R)
    ids = {k: table[k]['layer_id'] for k in ('backbone.conv1.weight', 'backbone.bn1.weight',
                                             'backbone.layer1.0.conv1.weight', 'backbone.layer1.1.bn2.weight',
                                             'backbone.layer2.0.downsample.0.weight',
                                             'backbone.layer4.1.conv2.weight',
                                             'head.fc.weight')}
    assert ids == {'backbone.conv1.weight': 0, 'backbone.bn1.weight': 0, 'backbone.layer1.0.conv1.weight': 1,
                   'backbone.layer1.1.bn2.weight': 2, 'backbone.layer2.0.downsample.0.weight': 3,
                   'backbone.layer4.1.conv2.weight': 8, 'head.fc.weight': 9}
    assert summary['num_layers'] == 10 and table['head.fc.weight']['lr_scale'] == 1.0


def test_vit_nested_in_an_adapter_is_found_by_type():
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')

    class Adapter(nn.Module):  # e.g. a ViTDet-style wrapper holding the ViT plus its own layers
        def __init__(self):
            super().__init__()
            self.vit = MODELS.build(VIT)
            self.fpn1 = nn.ConvTranspose2d(96, 48, 2, 2)

    model = nn.Module()
    model.backbone = Adapter()
    table, summary = layer_decay_table(model, R, method='simmim')
    assert summary['encoder'] == 'backbone.vit' and summary['rule'] == 'simmim'
    assert table['backbone.vit.layers.1.attn.proj.weight']['layer_id'] == 2
    assert table['backbone.vit.cls_token'] == dict(layer_id=0, lr_scale=R ** 5, decay=False)
    assert table['backbone.fpn1.weight']['layer_id'] == 5


def test_rule_recorded_and_bad_settings_refused():
    cfg = Config(dict(model=dict(backbone=SWIN), optim_wrapper=optim_cfg(layer_decay_rate=0.9)))
    assert layer_decay_rule_of(cfg) == 'simmim'
    cfg.optim_wrapper.paramwise_cfg.method = 'cim-respix'
    assert layer_decay_rule_of(cfg) == 'beit'
    adapter = Config(dict(model=dict(backbone=dict(type='mimbench.ViTMultiScale', vit=VIT)),
                          optim_wrapper=optim_cfg(layer_decay_rate=0.9)))
    assert layer_decay_rule_of(adapter) == 'mae'
    assert layer_decay_rule_of(Config(dict(model=dict(backbone=SWIN), optim_wrapper=dict(
        optimizer=dict(type='AdamW', lr=1e-3))))) is None
    model = classifier(dict(VIT, out_type='cls_token'), 96)
    with pytest.raises(ValueError, match='unknown: \\[\'decay_mult\'\\]'):
        build_optim_wrapper(model, optim_cfg(layer_decay_rate=R, decay_mult=0.0))
    with pytest.raises(ValueError, match='unknown layer-decay rule'):
        build_optim_wrapper(model, optim_cfg(layer_decay_rate=R, rule='beit2'))
    wrapper = build_optim_wrapper(model, optim_cfg(layer_decay_rate=R, rule='beit'))
    wrapper.optimizer.zero_grad()
    model.backbone(torch.randn(1, 3, 64, 64))[0].sum().backward()
    wrapper.step()  # the groups are a valid AdamW setup


def test_vit_adapter_rel_pos_bias_takes_its_block_id():
    """BEiT keeps each block's relative position bias inside the block (id k + 1, no weight decay);
    mimbench.ViTMultiScale holds them next to the ViT: same ids."""
    from mmseg.registry import MODELS
    init_default_scope('mmseg')
    model = MODELS.build(dict(
        type='EncoderDecoder', backbone=dict(type='mimbench.ViTMultiScale', vit=VIT, rel_pos_bias=True),
        decode_head=dict(type='FCNHead', in_channels=96, channels=16, num_convs=1, num_classes=4,
                         norm_cfg=dict(type='BN', requires_grad=True))))
    table, summary = layer_decay_table(model, R, method='mae')
    assert summary['encoder'] == 'backbone.vit'
    assert table['backbone.rel_pos_bias.2.table'] == dict(layer_id=3, lr_scale=R ** 2, decay=False)
    assert table['backbone.vit.layers.2.attn.qkv.weight']['layer_id'] == 3
    assert table['backbone.fpn1.0.weight'] == dict(layer_id=5, lr_scale=1.0, decay=True)
    assert table['decode_head.conv_seg.weight']['lr_scale'] == 1.0


def test_runner_loads_checkpoint_then_trains_with_decayed_lrs(tmp_path):
    """Through mmengine's Runner: the checkpoint is in the backbone when training starts, and the
    scheduler keeps each group's lr at (schedule factor) x (layer scale)."""
    import torch.nn.functional as F
    from mmengine.hooks import Hook
    from mmengine.model import BaseModel
    from mmengine.runner import Runner
    from mmpretrain.registry import MODELS

    source = MODELS.build(VIT)
    with torch.no_grad():
        for p in source.parameters():
            p.add_(0.5)
    path = tmp_path / 'pre.pth'
    torch.save({'meta': {}, 'state_dict': {f'backbone.{k}': v for k, v in source.state_dict().items()}}, path)

    class Toy(BaseModel):
        def __init__(self):
            super().__init__()
            self.backbone = MODELS.build(dict(VIT, out_type='cls_token', init_cfg=dict(
                type='mimbench.Pretrained', checkpoint=str(path))))
            self.head = nn.Linear(96, 2)

        def forward(self, inputs, labels=None, mode='loss'):
            logits = self.head(self.backbone(inputs)[-1])
            return dict(loss=F.cross_entropy(logits, labels)) if mode == 'loss' else logits

    seen = {}

    class Capture(Hook):
        def before_train(self, runner):
            seen['pos_embed'] = runner.model.backbone.pos_embed.detach().clone()

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            groups = runner.optim_wrapper.optimizer.param_groups
            seen.setdefault('lrs', []).append({g['layer_id']: g['lr'] for g in groups})

    data = [dict(inputs=torch.randn(3, 64, 64), labels=i % 2) for i in range(4)]
    runner = Runner(model=Toy(), work_dir=str(tmp_path), train_cfg=dict(by_epoch=False, max_iters=2),
                    train_dataloader=dict(dataset=data, batch_size=2, collate_fn=dict(type='default_collate'),
                                          sampler=dict(type='DefaultSampler', shuffle=False)),
                    optim_wrapper=optim_cfg(layer_decay_rate=R),
                    param_scheduler=dict(type='LinearLR', start_factor=0.5, by_epoch=False, begin=0, end=2),
                    custom_hooks=[Capture()], default_hooks=dict(checkpoint=None, logger=None))
    runner.train()
    assert torch.equal(seen['pos_embed'], source.pos_embed)
    assert runner.optim_wrapper.layer_decay_rule == 'mae'
    for lrs in seen['lrs']:
        for layer_id, lr in lrs.items():
            assert lr == pytest.approx(lrs[5] * R ** (5 - layer_id))
    assert seen['lrs'][0][5] == pytest.approx(0.5)


def test_other_backbones_fall_back_to_get_layer_depth():
    """A backbone outside the four families (here ConvNeXt) uses mmpretrain's get_layer_depth() hook."""
    convnext = dict(type='mmpretrain.ConvNeXt', arch=dict(depths=[1, 1, 3, 1], channels=[8, 16, 32, 64]))
    model = classifier(convnext, 64)
    table, summary = layer_decay_table(model, R)
    assert summary['rule'] == 'get_layer_depth' and summary['encoder'] == 'backbone'
    for name in ('backbone.downsample_layers.0.0.weight', 'backbone.stages.2.2.pointwise_conv1.weight',
                 'head.fc.weight'):
        depth, num_layers = model.backbone.get_layer_depth(name, 'backbone.')
        assert table[name]['layer_id'] == depth and table[name]['lr_scale'] == R ** (num_layers - 1 - depth)
    assert table['head.fc.weight']['lr_scale'] == 1.0
    with pytest.raises(ValueError, match='leave rule and method unset'):
        layer_decay_table(model, R, rule='mae')
