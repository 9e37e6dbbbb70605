# MixMIM-B -> Mask R-CNN + FPN on COCO (mixmim.txt Sec. 8 "Finetuning on COCO", Table 4: 52.2 AP^box / 46.5 AP^mask).
# The hierarchical MixMIM encoder goes straight into FPN (mixmim.txt Sec. 3). mixmim.txt Sec. 8: "we use large-scale
# jitter augmentation with 1024x1024 resolution and [0.1, 2.0] scale range. We use step learning rate schedule with
# 0.25 epochs of warmup. We finetune MixMIM-B/-L for 55/80 epochs ... decay ratio to 0.85/0.9". Window size 16x16
# "for being divisible by the input 1024x1024 resolution" (mixmim.txt Sec. 3). Its other settings follow MAE /
# ViTDet (mixmim.txt Sec. 8: "We follow the training setting in [25, 19]"): lr 1e-4 at batch 64, wd 0.1.
# The 6th, 12th and 18th stage-3 blocks use 32x32 windows "for cross-window interactions" (mixmim.txt Sec. 3).
_base_ = [
    '../../_base_/models/mask-rcnn_vit-fpn.py',
    '../../_base_/datasets/coco_instance_lsj.py',
    '../../_base_/schedules/mask-rcnn_adamw_lsj-100e.py',
]
model = dict(
    backbone=dict(
        _delete_=True, type='mimbench.MixMIMMultiScale', arch='base', img_size=1024,
        window_size=[16, 16, 16, 16],        # mixmim.txt Sec. 3 (COCO)
        block_windows={'2.5': 32, '2.11': 32, '2.17': 32},   # mixmim.txt Sec. 3: 6th/12th/18th stage-3 blocks
        drop_path_rate=0.1,                  # not printed for COCO: mixmim.txt Table 12's B value
        init_cfg=dict(type='mimbench.Pretrained', checkpoint=None)),
    neck=dict(in_channels=[128, 256, 512, 1024]))
train_dataloader = dict(batch_size=8)        # x 8 GPUs = 64 ([25, 19] via mixmim.txt Sec. 8)
optim_wrapper = dict(
    optimizer=dict(lr=1e-4, weight_decay=0.1),                     # [25, 19] via mixmim.txt Sec. 8
    paramwise_cfg=dict(layer_decay_rate=0.85, rule='mixmim'))      # mixmim.txt Sec. 8 (B)
train_cfg = dict(max_epochs=55, val_interval=5)                    # mixmim.txt Sec. 8 (B)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=True, begin=0, end=0.25, convert_to_iter_based=True),
    # step schedule (Sec. 8); epochs not printed: ref. [25]'s 88% and 96% of the length -> epochs 48 and 53
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=55, milestones=[48, 53], gamma=0.1),
]
auto_scale_lr = dict(base_batch_size=64)
mimbench = dict(task='coco', method='mixmim', backbone='mixmim-b', scale='full', recipe='mixmim.txt Sec. 8')
