# SimMIM Swin-B -> Mask R-CNN + FPN on COCO (simmim.txt C.1, Table 12). The hierarchical Swin goes straight into FPN.
# simmim.txt C.1: "3x schedule (36 epochs) ... AdamW with a learning rate of 6e-5, a weight decay of 0.05, and a
# batch size of 32 ... large jittering augmentation (1024 x 1024 resolution, scale range [0.1, 2.0]). The window
# size for Swin-B is set to 7". Layer decay is not printed for COCO in simmim.txt C.1: 0.9, its value for ADE20K
# and iNat-2018 (simmim.txt C.1), with SimMIM's layer-id rule. Step decay at epochs 27 and 33 (mmdet's 3x schedule).
_base_ = [
    '../../_base_/models/mask-rcnn_vit-fpn.py',
    '../../_base_/datasets/coco_instance_lsj.py',
    '../../_base_/schedules/mask-rcnn_adamw_lsj-100e.py',
]
model = dict(
    backbone=dict(
        _delete_=True, type='mmpretrain.SwinTransformer', arch='base', img_size=1024,
        window_size=7,                       # simmim.txt C.1
        drop_path_rate=0.3,                  # Swin-B's detection value (not printed in simmim.txt)
        out_indices=(0, 1, 2, 3), pad_small_map=True,
        init_cfg=dict(type='mimbench.Pretrained', checkpoint=None)),
    neck=dict(in_channels=[128, 256, 512, 1024]))
train_dataloader = dict(batch_size=4)        # x 8 GPUs = 32: simmim.txt C.1
optim_wrapper = dict(
    optimizer=dict(lr=6e-5, weight_decay=0.05),                  # simmim.txt C.1
    paramwise_cfg=dict(layer_decay_rate=0.9, rule='simmim'))     # simmim.txt C.1 (ADE20K/iNat value)
train_cfg = dict(max_epochs=36, val_interval=4)                  # simmim.txt C.1 (3x schedule)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=36, milestones=[27, 33], gamma=0.1),
]
auto_scale_lr = dict(base_batch_size=32)
mimbench = dict(task='coco', method='simmim', backbone='swin-b', scale='full', recipe='simmim.txt C.1')
