# Smoke variant of simmim_swin-base-w6_8xb256-steplr-800e_in1k-192px.py: swin-smoke encoder (window 4), 64 px, batch 4, 2 epochs on a folder of generated
# images (mimbench.datasets.synthetic.make_imagenet). Method (mask token, 32x32 cells at ratio 0.6, linear head,
# l1 on masked pixels) and optimizer/schedule shape are the full recipe's.
_base_ = ['./simmim_swin-base-w6_8xb256-steplr-800e_in1k-192px.py', '../../_base_/pretrain/imagenet_pretrain_smoke.py']

img_size = 64
train_dataloader = dict(_delete_=True, **_base_.smoke_train_dataloader)
train_dataloader['dataset']['pipeline'] = _base_.smoke_train_pipeline[:-1] + [
    dict(type='mmpretrain.SimMIMMaskGenerator', input_size=img_size, mask_patch_size=32, model_patch_size=4,
         mask_ratio=0.6),
    dict(type='mmpretrain.PackInputs')]
model = dict(
    backbone=dict(arch=dict(_delete_=True, embed_dims=32, depths=[1, 1, 2, 1], num_heads=[1, 2, 4, 8]),
                  img_size=img_size, stage_cfgs=dict(block_cfgs=dict(window_size=4)),   # swin-smoke
                  pad_small_map=True),   # stage 4 is 2x2 at 64 px, smaller than the window
    neck=dict(in_channels=32 * 2 ** 3))
optim_wrapper = dict(optimizer=dict(lr=4e-4 * 4 / 2048))   # same linear rule, batch 4
param_scheduler = [   # 1 warm-up epoch, then the step schedule's /10 for the last 1/8 (here: the last iterations)
    dict(type='LinearLR', start_factor=1e-6 / 4e-4, by_epoch=True, begin=0, end=1, convert_to_iter_based=True),
    dict(type='MultiStepLR', milestones=[2 * 7 / 8], gamma=0.1, by_epoch=True, begin=1, end=2,
         convert_to_iter_based=True)]
train_cfg = _base_.smoke_train_cfg
auto_scale_lr = dict(base_batch_size=4)
default_hooks = _base_.smoke_default_hooks
env_cfg = dict(dist_cfg=dict(backend='gloo'))
