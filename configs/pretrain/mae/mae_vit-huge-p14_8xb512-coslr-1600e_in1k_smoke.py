# Smoke variant of mae_vit-huge-p14_8xb512-coslr-1600e_in1k.py: vit-smoke encoder, 64 px, batch 4, 2 epochs on a folder of generated images
# (mimbench.datasets.synthetic.make_imagenet). Method (visible-only encoder, 75% masking, 8x512-style decoder
# shrunk to 2x64, normalised-pixel MSE on masked patches) and optimizer/schedule shape are the full recipe's.
_base_ = ['./mae_vit-huge-p14_8xb512-coslr-1600e_in1k.py', '../../_base_/pretrain/imagenet_pretrain_smoke.py']

train_dataloader = dict(_delete_=True, **_base_.smoke_train_dataloader)
model = dict(
    backbone=dict(arch=dict(_delete_=True, embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384),  # vit-smoke
                  img_size=64, patch_size=16),
    neck=dict(num_patches=16, patch_size=16, embed_dim=96, decoder_embed_dim=64, decoder_depth=2,
              decoder_num_heads=2),
    head=dict(patch_size=16))
optim_wrapper = dict(optimizer=dict(lr=1.5e-4 * 4 / 256))   # same linear rule (mae.txt App. A.1), batch 4
param_scheduler = _base_.smoke_param_scheduler
train_cfg = _base_.smoke_train_cfg
auto_scale_lr = dict(base_batch_size=4)
default_hooks = _base_.smoke_default_hooks
env_cfg = dict(dist_cfg=dict(backend='gloo'))
