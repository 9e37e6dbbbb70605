# ADE20K semantic segmentation (150 classes) with 512x512 crops, for UperNet / linear / FCN heads (mmseg).
# 512x512 training crops: mae.txt A.4 (UperNet following BEiT's segmentation code, batch 16), simmim.txt C.1
# (input resolution 512x512), mixmim.txt Sec. 8 (BEiT's settings, batch 16), cim.txt Sec. 3.3 (crop size 512).
# Single-scale test at the (2048, 512) scale; multi-scale test (tta_pipeline, `--tta`) at
# [0.75, 0.875, 1.0, 1.125, 1.25] x of 512x2048 with flips: simmim.txt C.1. Metric: mIoU (mae.txt Table 5).
# Training crops can be smaller than crop_size after down-scaling: the model's SegDataPreProcessor pads to
# size=crop_size (mmseg convention). Layout: mmseg's ADE20KDataset (ADEChallengeData2016:
# images/{training,validation}/*.jpg, annotations/{training,validation}/*.png; label 0 = "other", ignored via
# reduce_zero_label).
# Real data root: --cfg-options train_dataloader.dataset.data_root=DIR val_dataloader.dataset.data_root=DIR
#   test_dataloader.dataset.data_root=DIR   (check it with `mimbench data check --task ade20k`)
# Types are toolbox-scoped except mmcv's transforms registered at the root (LoadImageFromFile, RandomResize,
# TestTimeAug), which no toolbox registry holds under its own scope.
data_root = 'data/ade/ADEChallengeData2016'
crop_size = (512, 512)        # mae.txt A.4, simmim.txt C.1, cim.txt Sec. 3.3
num_classes = 150
backend_args = None

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.LoadAnnotations', reduce_zero_label=True),
    dict(type='RandomResize', scale=(2048, 512), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='mmseg.RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='mmseg.RandomFlip', prob=0.5),
    dict(type='mmseg.PhotoMetricDistortion'),
    dict(type='mmseg.PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.Resize', scale=(2048, 512), keep_ratio=True),
    dict(type='mmseg.LoadAnnotations', reduce_zero_label=True),
    dict(type='mmseg.PackSegInputs'),
]
img_ratios = [0.75, 0.875, 1.0, 1.125, 1.25]   # simmim.txt C.1 multi-scale test
tta_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='TestTimeAug', transforms=[
        [dict(type='mmseg.Resize', scale_factor=r, keep_ratio=True) for r in img_ratios],
        [dict(type='mmseg.RandomFlip', prob=0., direction='horizontal'),
         dict(type='mmseg.RandomFlip', prob=1., direction='horizontal')],
        [dict(type='mmseg.LoadAnnotations', reduce_zero_label=True)],
        [dict(type='mmseg.PackSegInputs')],
    ]),
]
tta_model = dict(type='mmseg.SegTTAModel')

train_dataloader = dict(
    batch_size=2,             # x 8 GPUs = 16: mae.txt A.4, mixmim.txt Sec. 8 (simmim.txt C.1 used 32)
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='mmseg.ADE20KDataset',
        data_root=data_root,
        data_prefix=dict(img_path='images/training', seg_map_path='annotations/training'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='mmseg.ADE20KDataset',
        data_root=data_root,
        data_prefix=dict(img_path='images/validation', seg_map_path='annotations/validation'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(type='mmseg.IoUMetric', iou_metrics=['mIoU'])   # mae.txt Table 5
test_evaluator = val_evaluator
