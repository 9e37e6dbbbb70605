# Smoke variant of mixmim_mixmim-huge_8xb128-coslr-600e_in1k.py: mixmim-smoke encoder, 64 px, a few CPU iterations on
# generated images (any folder of images: --cfg-options train_dataloader.dataset.data_root=DIR).
# The method (mixing, masked attention, Eq. 2 loss, optimizer and schedule shape) is the full recipe's.
_base_ = './mixmim_mixmim-huge_8xb128-coslr-600e_in1k.py'

img_size = 64
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False, pin_memory=False,
    dataset=dict(_delete_=True, type='mmpretrain.CustomDataset', data_root='data/smoke/images', with_label=False,
                 pipeline=[dict(type='mmpretrain.LoadImageFromFile'),
                           dict(type='mmpretrain.RandomResizedCrop', scale=img_size, crop_ratio_range=(0.2, 1.0),
                                backend='pillow', interpolation='bicubic'),
                           dict(type='mmpretrain.RandomFlip', prob=0.5),
                           dict(type='mmpretrain.PackInputs')]))
model = dict(
    backbone=dict(arch=dict(_delete_=True, embed_dims=32, depths=[1, 1, 2, 1], num_heads=[1, 2, 4, 8]),  # mixmim-smoke
                  img_size=img_size, window_size=[4, 4, 4, 2]),
    neck=dict(num_patches=(img_size // 32) ** 2, embed_dim=256, decoder_embed_dim=64, decoder_depth=2,
              decoder_num_heads=2))
optim_wrapper = dict(optimizer=dict(lr=1.5e-4 * 4 / 256))   # same linear rule, batch 4
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=1, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=1, eta_min=0.0, by_epoch=True, begin=1, end=2,
         convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=2)
auto_scale_lr = dict(base_batch_size=4)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1, max_keep_ckpts=1))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
