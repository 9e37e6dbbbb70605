# Smoke variant of simmim_vit-base-p16_8xb256-coslr-800e_in1k.py: vit-smoke encoder, 64 px, batch 4, 2 epochs on a folder of generated images
# (mimbench.datasets.synthetic.make_imagenet). Method and optimizer/schedule shape are the full recipe's.
_base_ = ['./simmim_vit-base-p16_8xb256-coslr-800e_in1k.py', '../../_base_/pretrain/imagenet_pretrain_smoke.py']

img_size = 64
train_dataloader = dict(_delete_=True, **_base_.smoke_train_dataloader)
train_dataloader['dataset']['pipeline'] = _base_.smoke_train_pipeline[:-1] + [
    dict(type='mmpretrain.SimMIMMaskGenerator', input_size=img_size, mask_patch_size=32, model_patch_size=16,
         mask_ratio=0.6),
    dict(type='mmpretrain.PackInputs')]
model = dict(
    backbone=dict(arch=dict(_delete_=True, embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384),
                  img_size=img_size, patch_size=16),   # vit-smoke
    neck=dict(in_channels=96))
optim_wrapper = dict(optimizer=dict(lr=8e-4 * 4 / 2048))   # same linear rule, batch 4
param_scheduler = _base_.smoke_param_scheduler
train_cfg = _base_.smoke_train_cfg
auto_scale_lr = dict(base_batch_size=4)
default_hooks = _base_.smoke_default_hooks
env_cfg = dict(dist_cfg=dict(backend='gloo'))
