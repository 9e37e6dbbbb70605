# Smoke pre-training data: any folder of images (e.g. `mimbench.datasets.synthetic.make_imagenet(root)` writes
# `root/train/<class>/*.JPEG`), 64 px (mimbench's smoke image size), batch 4, no worker processes.
# Variables are prefixed `smoke_` so a smoke config can list this file next to its full recipe
# (mmengine forbids duplicate keys among bases) and take what it needs:
#   _base_ = ['./<full recipe>.py', '../../_base_/pretrain/imagenet_pretrain_smoke.py']
#   train_dataloader = dict(_delete_=True, **_base_.smoke_train_dataloader)
# Point it at another folder with --cfg-options train_dataloader.dataset.data_root=DIR.
smoke_img_size = 64
smoke_data_root = 'data/smoke/imagenet'

smoke_train_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.RandomResizedCrop', scale=smoke_img_size, crop_ratio_range=(0.2, 1.0),
         backend='pillow', interpolation='bicubic'),
    dict(type='mmpretrain.RandomFlip', prob=0.5),
    dict(type='mmpretrain.PackInputs'),
]

smoke_train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    pin_memory=False,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    # CustomDataset without labels: every image under data_root/data_prefix, recursively.
    dataset=dict(type='mmpretrain.CustomDataset', data_root=smoke_data_root, data_prefix='train',
                 with_label=False, pipeline=smoke_train_pipeline))

# A short schedule for smoke runs: 2 epochs, 1 of linear warm-up then cosine, log every iteration.
smoke_train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=2)
smoke_param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=1, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=1, eta_min=0.0, by_epoch=True, begin=1, end=2,
         convert_to_iter_based=True),
]
smoke_default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1, max_keep_ckpts=1))
