# Smoke variant of coco_instance_lsj.py: the generated COCO of `mimbench data make --root data/smoke`
# (mimbench.datasets.synthetic.make_coco: 3 shape categories, 64 px), batch 2, no worker processes.
# Same pipeline as the full recipe at 64 px; the jitter range is narrowed to [0.5, 2.0] so that the 6-30 px
# objects survive it and a few iterations show signal (the full recipe's [0.1, 2.0] is simmim.txt C.1).
# Task smoke configs inherit this file (plus their smoke model/schedule), not the full task config.
_base_ = './coco_instance_lsj.py'

data_root = 'data/smoke/coco/'
image_size = (64, 64)         # mimbench smoke image size
num_classes = 3
metainfo = dict(classes=('circle', 'square', 'triangle'))   # mimbench.datasets.synthetic.COCO_CLASSES

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomResize', scale=image_size, ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='mmdet.RandomCrop', crop_type='absolute_range', crop_size=image_size, recompute_bbox=True,
         allow_negative_crop=True),
    dict(type='mmdet.FilterAnnotations', min_gt_bbox_wh=(1e-2, 1e-2)),
    dict(type='mmdet.RandomFlip', prob=0.5),
    dict(type='mmdet.Pad', size=image_size, pad_val=dict(img=(114, 114, 114))),
    dict(type='mmdet.PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmdet.Resize', scale=image_size, keep_ratio=True),
    dict(type='mmdet.Pad', size=image_size, pad_val=dict(img=(114, 114, 114))),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='mmdet.PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]

train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, metainfo=metainfo, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, metainfo=metainfo, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val2017.json')
test_evaluator = val_evaluator
