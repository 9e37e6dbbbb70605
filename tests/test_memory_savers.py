"""Memory savers (mimbench.transfer.memory_savers): activation checkpointing gives the same gradients in every
backbone family and really recomputes; gradient accumulation makes the same update as the larger batch (not
with BatchNorm), in mmengine's OptimWrapper and in a Runner with the schedule stretched; the overrides for the
full recipes; the accumulation plan for fewer devices."""
from __future__ import annotations

import copy

import pytest
import torch
from mmengine.config import Config
from torch import nn

import mimbench  # noqa: F401  (compat fixes, registrations)
from mimbench.registry import MODELS
from mimbench.transfer import memory_savers as savers
from mimbench.transfer.tasks import all_configs

VIT = dict(type='mmpretrain.VisionTransformer', img_size=64, patch_size=16, drop_path_rate=0.1,
           arch=dict(embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384))
MIXMIM = dict(arch=dict(embed_dims=32, depths=[1, 1, 2, 1], num_heads=[1, 2, 4, 8]), img_size=64,
              window_size=[4, 4, 4, 2], drop_path_rate=0.1)
SWIN = dict(type='mmpretrain.SwinTransformer', arch=dict(embed_dims=32, depths=[1, 1, 2, 1],
            num_heads=[1, 2, 4, 8]), img_size=64, window_size=4, pad_small_map=True, out_indices=(0, 1, 2, 3),
            drop_path_rate=0.1)
# family -> (backbone config, a module type run inside every block: recomputation runs it again)
FAMILIES = {
    'vit-multiscale': (dict(type='mimbench.ViTMultiScale', vit=VIT), 'LayerNorm'),
    'vit-multiscale-relpos': (dict(type='mimbench.ViTMultiScale', vit=VIT, rel_pos_bias=True), 'LayerNorm'),
    'mixmim-multiscale': (dict(type='mimbench.MixMIMMultiScale', **MIXMIM), 'MixMIMWindowAttention'),
    'swin': (SWIN, 'LayerNorm'),
    'resnet': (dict(type='mmpretrain.ResNet', depth=18, out_indices=(0, 1, 2, 3)), 'Conv2d'),
    'vit': (dict(VIT, out_type='avg_featmap'), 'LayerNorm'),
    'vit-partial': (dict(VIT, out_type='avg_featmap', frozen_stages=2), 'LayerNorm'),
    'mixmim': (dict(type='mmpretrain.MixMIMTransformer', **MIXMIM), 'MixMIMWindowAttention'),
    'beit': (dict(type='mmpretrain.BEiTViT', arch=VIT['arch'], img_size=64, drop_path_rate=0.1,
                  use_rel_pos_bias=True, use_abs_pos_emb=False, out_type='avg_featmap'), 'LayerNorm'),
}


def build_with(backbone: dict, options: dict) -> nn.Module:
    """A holder module with ``.backbone`` built as the options say (mmengine's list applied as the Runner
    does)."""
    from mmengine.runner import turn_on_activation_checkpointing
    cfg = Config(dict(model=dict(type='holder', backbone=copy.deepcopy(backbone))))
    cfg.merge_from_dict({k: v for k, v in options.items() if k != 'activation_checkpointing'})
    torch.manual_seed(0)
    holder = nn.Module()
    holder.backbone = MODELS.build(cfg.model.backbone)
    holder.backbone.init_weights()
    holder.train()
    if 'activation_checkpointing' in options:
        turn_on_activation_checkpointing(holder, options['activation_checkpointing'])
    return holder


def grads_and_calls(holder: nn.Module, block: str) -> tuple[dict, int]:
    """Gradients of a fixed loss, and how many times ``block`` modules ran forward (recomputation adds)."""
    calls = []
    for module in holder.modules():
        if type(module).__name__ == block:
            module.register_forward_hook(lambda *_: calls.append(1))
    torch.manual_seed(1)                                          # same drop-path draws in both runs
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    outs = holder.backbone(x)
    sum((o.float() ** 2).mean() for o in outs).backward()
    return {n: p.grad.clone() for n, p in holder.named_parameters() if p.grad is not None}, len(calls)


@pytest.mark.parametrize('family', list(FAMILIES))
def test_checkpointing_gives_the_same_gradients_and_recomputes(family):
    backbone, block = FAMILIES[family]
    options = savers.checkpointing_options(Config(dict(model=dict(backbone=backbone))))
    plain, plain_calls = grads_and_calls(build_with(backbone, {}), block)
    saved, saved_calls = grads_and_calls(build_with(backbone, options), block)
    assert saved_calls > plain_calls, f'{family}: {options} recomputed nothing'
    assert plain.keys() == saved.keys() and plain                   # frozen blocks stay frozen, others train
    for name in plain:
        torch.testing.assert_close(saved[name], plain[name], rtol=1e-5, atol=1e-6, msg=name)
    if family == 'vit-partial':          # the trainable blocks behind the frozen ones get gradients
        assert any(n.startswith('backbone.layers.2.') for n in saved)   # right behind the frozen ones
        assert not any(n.startswith('backbone.layers.0.') for n in saved)


def test_every_full_recipe_has_a_checkpointing_switch():
    for path in all_configs('full'):
        options = savers.checkpointing_options(Config.fromfile(path))
        assert options, path


def test_unknown_backbone_says_how_to_list_blocks():
    cfg = Config(dict(model=dict(backbone=dict(type='mmpretrain.AlexNet'))))
    with pytest.raises(ValueError, match='activation_checkpointing='):
        savers.checkpointing_options(cfg)


# --- gradient accumulation ----------------------------------------------------------------------------------

def tiny_model(norm: str) -> nn.Module:
    torch.manual_seed(0)
    norm_layer = nn.LayerNorm(16) if norm == 'ln' else nn.BatchNorm1d(16)
    return nn.Sequential(nn.Linear(8, 16), norm_layer, nn.GELU(), nn.Linear(16, 4))


def adamw_update(norm: str, batch: int, counts: int) -> list[torch.Tensor]:
    """Parameters after one optimizer step over the same 8 samples: ``counts`` micro-batches of ``batch``."""
    from mmengine.optim import OptimWrapper
    model = tiny_model(norm)
    wrapper = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.05),
                           accumulative_counts=counts)
    wrapper.initialize_count_status(model, 0, counts)
    x = torch.randn(8, 8, generator=torch.Generator().manual_seed(0))
    y = torch.randn(8, 4, generator=torch.Generator().manual_seed(1))
    for i in range(counts):
        part = slice(i * batch, (i + 1) * batch)
        wrapper.update_params(nn.functional.mse_loss(model(x[part]), y[part]))   # mean over the micro-batch
    return [p.detach().clone() for p in model.parameters()]


def test_accumulation_makes_the_larger_batchs_update_with_layernorm():
    big = adamw_update('ln', 8, 1)
    for counts in (2, 4):
        for a, b in zip(adamw_update('ln', 8 // counts, counts), big):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-7)


def test_accumulation_differs_with_batchnorm():
    """BatchNorm normalises each micro-batch by its own statistics, so the update is not the larger batch's
    (SyncBN across the recipe's devices would be); documented in memory_savers."""
    big = adamw_update('bn', 8, 1)
    small = adamw_update('bn', 2, 4)
    assert not all(torch.allclose(a, b, rtol=1e-5, atol=1e-7) for a, b in zip(small, big))


def test_accumulation_in_a_runner_with_an_iteration_schedule(tmp_path):
    """Runner, iteration-based loop: batch 8 for 3 steps == batch 2 x 4 accumulated over the stretched
    schedule (accumulation_options multiplies max_iters and by_epoch=False scheduler bounds)."""
    from mmengine.model import BaseModel
    from mmengine.runner import Runner

    class Toy(BaseModel):
        def __init__(self):
            super().__init__()
            self.net = tiny_model('ln')

        def forward(self, inputs, targets, mode='loss'):
            return {'loss': nn.functional.mse_loss(self.net(torch.stack(inputs)), torch.stack(targets))}

    x = torch.randn(24, 8, generator=torch.Generator().manual_seed(0))
    y = torch.randn(24, 4, generator=torch.Generator().manual_seed(1))
    dataset = [dict(inputs=a, targets=b) for a, b in zip(x, y)]
    recipe = Config(dict(
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=3, val_interval=10 ** 6),
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-2, weight_decay=0.05)),
        param_scheduler=[dict(type='ConstantLR', factor=0.5, by_epoch=False, begin=0, end=2)],
        auto_scale_lr=dict(base_batch_size=8, enable=False)))

    def train(batch: int, options: dict, name: str) -> list[torch.Tensor]:
        cfg = copy.deepcopy(recipe)
        cfg.merge_from_dict(options)
        loader = dict(dataset=dataset, batch_size=batch, collate_fn=dict(type='pseudo_collate'),
                      sampler=dict(type='InfiniteSampler', shuffle=False))
        runner = Runner(model=Toy(), work_dir=str(tmp_path / name), experiment_name=f'accumulate-{name}',
                        train_dataloader=loader, train_cfg=cfg.train_cfg, optim_wrapper=cfg.optim_wrapper,
                        param_scheduler=cfg.param_scheduler, default_hooks=dict(checkpoint=None, logger=None),
                        log_level='WARNING', randomness=dict(seed=0))
        runner.train()
        return [p.detach().clone() for p in runner.model.parameters()]

    options = savers.accumulation_options(recipe, 4)
    assert options['train_cfg.max_iters'] == 12 and options['param_scheduler'][0]['end'] == 8
    for a, b in zip(train(2, options, 'small'), train(8, {}, 'big')):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_accumulation_options_of_the_recipes():
    ade = Config.fromfile('configs/transfer/ade20k/upernet_vit-base-p16_mae_8xb2-126k_ade20k.py')
    options = savers.accumulation_options(ade, 8)
    assert options['optim_wrapper.accumulative_counts'] == 8 and options['auto_scale_lr.enable'] is False
    assert options['train_cfg.max_iters'] == 8 * 126313 and options['train_cfg.val_interval'] == 8 * 16000
    warmup, poly = options['param_scheduler']
    assert (warmup['end'], poly['begin'], poly['end']) == (8 * 1500, 8 * 1500, 8 * 126313)
    coco = Config.fromfile('configs/transfer/coco/mask-rcnn_vit-base-p16_mae_8xb8-lsj-100e_coco.py')
    warmup, steps = savers.accumulation_options(coco, 4)['param_scheduler']
    assert warmup['end'] == 4 * 250 and steps['milestones'] == [88, 96]        # epochs stay epochs
    in1k = Config.fromfile('configs/transfer/in1k/finetune_vit-base-p16_mae_8xb128-100e_in1k.py')
    options = savers.accumulation_options(in1k, 8)
    assert 'train_cfg.max_iters' not in options
    assert options['param_scheduler'] == [s.to_dict() if hasattr(s, 'to_dict') else s
                                          for s in in1k.param_scheduler]       # by epoch: unchanged
    assert savers.accumulation_options(in1k, 1) == {}


def test_accumulation_plan_keeps_the_recipes_total_batch():
    cfg = Config.fromfile('configs/transfer/coco/mask-rcnn_vit-base-p16_mae_8xb8-lsj-100e_coco.py')
    per_device = cfg.train_dataloader.batch_size
    assert savers.recipe_devices(cfg) == 8
    for processes, counts in ((1, 8), (2, 4), (4, 2), (8, 1), (16, 1)):
        got, note = savers.accumulation_plan(cfg, processes)
        assert got == counts and str(per_device) in note
    assert savers.accumulation_plan(cfg, 2, accumulate=3)[0] == 3
    with pytest.raises(ValueError, match='--auto-scale-lr'):
        savers.accumulation_plan(cfg, 3)
    options, notes = savers.saver_options(cfg.filename, processes=2, checkpointing=True)
    assert options['optim_wrapper.accumulative_counts'] == 4 and options['model.backbone.with_cp'] is True
    assert len(notes) == 2
    options, _ = savers.saver_options(cfg.filename, processes=2, auto_scale_lr=True)
    assert options == {'auto_scale_lr.enable': True}
    # a smoke run (the full recipe shrunk by mimbench.smoke) keeps its own small batch: nothing accumulated
    assert savers.saver_options(cfg.filename, processes=1, scale='smoke') == ({}, [])
