# mae.txt Table 1e "crop + color jit": the pre-training augmentation (the base: random resized crop + flip).
# Paper: 84.3 ft / 71.9 lin.
_base_ = './mae_vit-large-p16_8xb512-coslr-800e_in1k_pixel-no-norm.py'

train_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    # "crop + color jit" (mae.txt Sec. 4.1): the base's random resized crop and flip, then colour jitter of
    # strength 0.4 (the paper gives no strengths; 0.4 is SimCLR's / MoCo's)
    dict(type='mmpretrain.RandomResizedCrop', scale=224, crop_ratio_range=(0.2, 1.0), backend='pillow',
         interpolation='bicubic'),
    dict(type='mmpretrain.RandomFlip', prob=0.5),
    dict(type='mmpretrain.ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4),
    dict(type='mmpretrain.PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
mimbench = dict(variant='aug-crop-color-jitter', recipe='mae.txt Table 1e')
