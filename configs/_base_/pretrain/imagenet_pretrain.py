# ImageNet-1K pre-training data, shared by every mimbench pre-training recipe (MAE, SimMIM, CiM, MixMIM).
# Default pipeline = MAE's (mae.txt Table 8 "augmentation RandomResizedCrop", Sec. 4 / Table 1 "crop, rand
# size" with random horizontal flipping, no colour jitter). Recipes with another pipeline (SimMIM's light
# crop + mask generator, simmim.txt Sec. 4.1.1) replace `train_pipeline` and `train_dataloader.dataset.pipeline`.
# Layout read: mmpretrain's ImageNet folder `data_root/train/<wnid>/*.JPEG` + `data_root/meta/train.txt`.
img_size = 224                     # mae.txt Sec. 4 "single 224x224 crop"; simmim.txt overrides to 192
data_root = 'data/imagenet/'

# Pixel statistics of ImageNet (RGB, 0-255): the "color normalization" both papers apply (simmim.txt
# Sec. 4.1.1); the models' data_preprocessor uses these.
data_preprocessor = dict(
    type='mmpretrain.SelfSupDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

train_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    # scale range (0.2, 1.0) and bicubic interpolation as the MAE release (the paper names only
    # RandomResizedCrop, mae.txt Table 8); aspect ratio default [3/4, 4/3].
    dict(type='mmpretrain.RandomResizedCrop', scale=img_size, crop_ratio_range=(0.2, 1.0),
         backend='pillow', interpolation='bicubic'),
    dict(type='mmpretrain.RandomFlip', prob=0.5),   # mae.txt Sec. 4 "(both having random horizontal flipping)"
    dict(type='mmpretrain.PackInputs'),
]

train_dataloader = dict(
    batch_size=128,                # per GPU; each recipe sets its own (mae.txt Table 8: 4096 in total)
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='mmpretrain.ImageNet',
        data_root=data_root,
        split='train',
        ann_file='meta/train.txt',
        data_prefix=dict(img_path='train/'),
        pipeline=train_pipeline))
