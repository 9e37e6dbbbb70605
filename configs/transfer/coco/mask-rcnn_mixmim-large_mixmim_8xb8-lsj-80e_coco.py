# MixMIM-L -> Mask R-CNN + FPN on COCO (mixmim.txt Sec. 8: 80 epochs, layer decay 0.9; Table 4).
_base_ = './mask-rcnn_mixmim-base_mixmim_8xb8-lsj-55e_coco.py'
model = dict(
    backbone=dict(arch='large', drop_path_rate=0.2),       # not printed for COCO: Table 12's L value
    neck=dict(in_channels=[192, 384, 768, 1536]))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.9))   # mixmim.txt Sec. 8 (L)
train_cfg = dict(max_epochs=80, val_interval=5)                  # mixmim.txt Sec. 8 (L)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=True, begin=0, end=0.25, convert_to_iter_based=True),
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=80, milestones=[70, 77], gamma=0.1),   # 88%/96% as B
]
mimbench = dict(backbone='mixmim-l')
