# Smoke variant of mixmim_mixmim-base_8xb128-coslr-600e_in1k.py:
# the mixmim-smoke encoder at 64 px (a 2x2 grid of 32x32 cells), a 2x64 decoder, batch 4, 2 epochs on
# generated images (mimbench.datasets.synthetic.make_imagenet; another folder: --cfg-options
# train_dataloader.dataset.data_root=DIR). Mixing, masked attention, the Eq. 2 loss and the optimizer and
# schedule shape are the full recipe's.
_base_ = [
    './mixmim_mixmim-base_8xb128-coslr-600e_in1k.py',
    '../../_base_/pretrain/imagenet_pretrain_smoke.py',
]

train_dataloader = dict(_delete_=True, **_base_.smoke_train_dataloader)
model = dict(
    backbone=dict(arch=dict(_delete_=True, embed_dims=32, depths=[1, 1, 2, 1], num_heads=[1, 2, 4, 8]),
                  img_size=64, window_size=[4, 4, 4, 2]),                      # mixmim-smoke
    neck=dict(num_patches=(64 // 32) ** 2, embed_dim=256, decoder_embed_dim=64, decoder_depth=2,
              decoder_num_heads=2))
optim_wrapper = dict(optimizer=dict(lr=1.5e-4 * 4 / 256))   # the linear rule at batch 4 (mixmim.txt Sec. 8)
auto_scale_lr = dict(base_batch_size=4)
train_cfg = _base_.smoke_train_cfg
param_scheduler = _base_.smoke_param_scheduler
default_hooks = _base_.smoke_default_hooks
