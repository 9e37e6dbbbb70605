# COCO 2017 instance segmentation with large-scale jitter, for Mask R-CNN transfer (mmdet).
# LSJ at 1024x1024, scale range [0.1, 2.0]: simmim.txt C.1 ("large jittering augmentation (1024 x 1024
# resolution, scale range [0.1, 2.0])"), mixmim.txt Sec. 8 "Finetuning on COCO" (same, following MAE/ViTDet),
# mae.txt A.3 (-> its ref. 65, the ViT detection-transfer benchmark, which uses this augmentation).
# Metrics: box AP and mask AP from the COCO evaluator (mae.txt Table 4, simmim.txt Table 12, mixmim.txt
# Table 4), computed by mimbench.FastCocoMetric (faster-coco-eval; backend='pycocotools' is the reference).
#
# Fixed-size inputs: images are padded to image_size in the pipeline (train and test), as the ViT adapter with
# absolute position embeddings expects; the model's data_preprocessor only normalises.
# Real data root: --cfg-options train_dataloader.dataset.data_root=DIR/ val_dataloader.dataset.data_root=DIR/
#   test_dataloader.dataset.data_root=DIR/ val_evaluator.ann_file=DIR/annotations/instances_val2017.json
#   test_evaluator.ann_file=DIR/annotations/instances_val2017.json
#   (listed by mimbench.datasets.overrides.data_root_options; `mimbench data check --task coco` checks it)
# Types are toolbox-scoped except mmcv's transforms registered at the root (LoadImageFromFile, RandomResize,
# TestTimeAug), which no toolbox registry holds under its own scope.
data_root = 'data/coco/'
image_size = (1024, 1024)     # simmim.txt C.1, mixmim.txt Sec. 8
num_classes = 80              # for the task config's roi_head (bbox_head/mask_head num_classes)
backend_args = None

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomResize', scale=image_size, ratio_range=(0.1, 2.0), keep_ratio=True),  # simmim.txt C.1
    dict(type='mmdet.RandomCrop', crop_type='absolute_range', crop_size=image_size, recompute_bbox=True,
         allow_negative_crop=True),
    dict(type='mmdet.FilterAnnotations', min_gt_bbox_wh=(1e-2, 1e-2)),
    dict(type='mmdet.RandomFlip', prob=0.5),
    dict(type='mmdet.Pad', size=image_size, pad_val=dict(img=(114, 114, 114))),
    dict(type='mmdet.PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='mmdet.Resize', scale=image_size, keep_ratio=True),
    dict(type='mmdet.Pad', size=image_size, pad_val=dict(img=(114, 114, 114))),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='mmdet.PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]

train_dataloader = dict(
    batch_size=4,             # x 8 GPUs = 32 images per batch: simmim.txt C.1 (batch size 32)
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='mmdet.AspectRatioBatchSampler'),
    dataset=dict(
        type='mmdet.CocoDataset',
        data_root=data_root,
        ann_file='annotations/instances_train2017.json',
        data_prefix=dict(img='train2017/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        pipeline=train_pipeline,
        backend_args=backend_args))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='mmdet.CocoDataset',
        data_root=data_root,
        ann_file='annotations/instances_val2017.json',
        data_prefix=dict(img='val2017/'),
        test_mode=True,
        pipeline=test_pipeline,
        backend_args=backend_args))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='mimbench.FastCocoMetric',
    ann_file=data_root + 'annotations/instances_val2017.json',
    metric=['bbox', 'segm'],  # AP^box and AP^mask: mae.txt Table 4
    backend='faster_coco_eval',
    format_only=False,
    backend_args=backend_args)
test_evaluator = val_evaluator
