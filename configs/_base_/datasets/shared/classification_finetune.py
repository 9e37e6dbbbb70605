# End-to-end fine-tuning recipe shared by the classification transfer datasets (mmpretrain): mae.txt Table 9
# (also mixmim.txt Table 12 and simmim.txt Sec. 4.1 / C.1, which use the same augmentations; mae.txt A.5 "We
# follow the setting in Table 9 for iNaturalist and Places"). Inherited by ../imagenet_finetune.py,
# ../inat201{7,8,9}.py and ../places{205,365}.py, which set data_root, num_classes,
# data_preprocessor.num_classes and the `dataset` of train/val/test_dataloader (type and split fields); this
# file has no `dataset` of its own. It lives in shared/ because every top-level file of ../ is one dataset.
# Mixup/CutMix live in the top-level data_preprocessor (mmengine uses it when the model defines none).
data_root = None      # set by each dataset config
num_classes = None    # set by each dataset config (also data_preprocessor.num_classes)

data_preprocessor = dict(
    num_classes=num_classes,
    mean=[123.675, 116.28, 103.53],   # ImageNet RGB mean/std, as every paper's fine-tuning code
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
    # mixup 0.8 and cutmix 1.0: mae.txt Table 9, mixmim.txt Table 12 (label smoothing 0.1 is the head's loss)
    batch_augments=dict(augments=[dict(type='mmpretrain.Mixup', alpha=0.8),
                                  dict(type='mmpretrain.CutMix', alpha=1.0)]))
bgr_mean = data_preprocessor['mean'][::-1]
bgr_std = data_preprocessor['std'][::-1]

train_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.RandomResizedCrop', scale=224, backend='pillow', interpolation='bicubic'),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    # RandAug (9, 0.5): mae.txt Table 9, mixmim.txt Table 12 (timm rand-m9-mstd0.5-inc1: 2 ops,
    # magnitude 9 of 10)
    dict(type='mmpretrain.RandAugment', policies='timm_increasing', num_policies=2, total_level=10,
         magnitude_level=9, magnitude_std=0.5,
         hparams=dict(pad_val=[round(x) for x in bgr_mean], interpolation='bicubic')),
    # random erasing 0.25: simmim.txt Sec. 4.1 / C.1 ("random erasing"); MAE's released fine-tuning code: 0.25
    dict(type='mmpretrain.RandomErasing', erase_prob=0.25, mode='rand', min_area_ratio=0.02,
         max_area_ratio=1 / 3, fill_color=bgr_mean, fill_std=bgr_std),
    dict(type='mmpretrain.PackInputs'),
]
test_pipeline = [   # resize 256 + center crop 224 (the "single 224 crop" of mae.txt Sec. 4)
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.ResizeEdge', scale=256, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='mmpretrain.CenterCrop', crop_size=224),
    dict(type='mmpretrain.PackInputs'),
]

# `dataset=dict(..., pipeline=_base_.train_pipeline / _base_.test_pipeline)`: added by each dataset config
train_dataloader = dict(
    batch_size=128,           # x 8 GPUs = 1024: mae.txt Table 9, mixmim.txt Table 12
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'))
val_dataloader = dict(
    batch_size=128,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'))
test_dataloader = val_dataloader

val_evaluator = dict(type='mmpretrain.Accuracy', topk=(1, 5))   # top-1 is the papers' metric
test_evaluator = val_evaluator
