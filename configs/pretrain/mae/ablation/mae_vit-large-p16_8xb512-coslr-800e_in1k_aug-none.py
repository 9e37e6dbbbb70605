# mae.txt Table 1e "none": the pre-training augmentation (the base: random resized crop + flip). Paper: 84.0
# ft / 65.7 lin.
_base_ = './mae_vit-large-p16_8xb512-coslr-800e_in1k_pixel-no-norm.py'

train_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    # "no data augmentation (only center-crop, no flipping)" (mae.txt Sec. 4.1); the crop is the evaluation
    # one (short side 256, centre 224): the paper gives no sizes
    dict(type='mmpretrain.ResizeEdge', scale=256, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='mmpretrain.CenterCrop', crop_size=224),
    dict(type='mmpretrain.PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
mimbench = dict(variant='aug-none', recipe='mae.txt Table 1e')
