# mae.txt Table 1e "crop, fixed size": the pre-training augmentation (the base: random resized crop + flip).
# Paper: 84.7 ft / 73.1 lin.
_base_ = './mae_vit-large-p16_8xb512-coslr-800e_in1k_pixel-no-norm.py'

train_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    # "crop, fixed size" with random horizontal flipping (mae.txt Sec. 4.1): a random 224 crop of the image
    # resized to short side 256 (an interpretation: the paper gives no sizes)
    dict(type='mmpretrain.ResizeEdge', scale=256, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='mmpretrain.RandomCrop', crop_size=224),
    dict(type='mmpretrain.RandomFlip', prob=0.5),
    dict(type='mmpretrain.PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
mimbench = dict(variant='aug-crop-fixed', recipe='mae.txt Table 1e')
