# Smoke variant of imagenet_linear.py: the generated data of `mimbench data make --root data/smoke`
# (mimbench.datasets.synthetic.make_imagenet: 4 classes, 64 px), batch 8, no worker processes.
# Same augmentation as the full recipe (crop + flip) at 64 px.
_base_ = './imagenet_linear.py'

data_root = 'data/smoke/in1k'
num_classes = 4
data_preprocessor = dict(num_classes=num_classes)

train_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.RandomResizedCrop', scale=64, backend='pillow', interpolation='bicubic'),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.PackInputs'),
]
test_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.ResizeEdge', scale=73, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='mmpretrain.CenterCrop', crop_size=64),   # 64/73 ~ the full recipe's 224/256
    dict(type='mmpretrain.PackInputs'),
]

train_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False, pin_memory=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False, pin_memory=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
