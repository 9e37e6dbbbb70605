# Smoke variant of ade20k_512.py: the generated ADE20K of `mimbench data make --root data/smoke`
# (mimbench.datasets.synthetic.make_ade20k: 64 px image/label pairs, ADE's 150-class convention), 64x64 crops,
# batch 2, no worker processes. Same transforms as the full recipe; multi-scale test keeps its ratios.
_base_ = './ade20k_512.py'

data_root = 'data/smoke/ade20k'
crop_size = (64, 64)          # mimbench smoke image size

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.LoadAnnotations', reduce_zero_label=True),
    dict(type='RandomResize', scale=(256, 64), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='mmseg.RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='mmseg.RandomFlip', prob=0.5),
    dict(type='mmseg.PhotoMetricDistortion'),
    dict(type='mmseg.PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.Resize', scale=(256, 64), keep_ratio=True),
    dict(type='mmseg.LoadAnnotations', reduce_zero_label=True),
    dict(type='mmseg.PackSegInputs'),
]

train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
