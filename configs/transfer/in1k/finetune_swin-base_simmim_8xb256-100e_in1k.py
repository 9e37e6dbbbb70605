# SimMIM Swin-B end-to-end fine-tuning on ImageNet-1K (simmim.txt Table 7), simmim.txt Sec. 4.1.1: "AdamW, 100-epoch
# training, and a cosine learning rate scheduler with 10-epoch warm-up ... batch size as 2048, a base learning rate
# of 5e-3, a weight decay of 0.05, beta1 = 0.9, beta2 = 0.999, a stochastic depth ratio of 0.1, and a layer-wise
# learning rate decay of 0.9" with RandAug, Mixup, Cutmix, label smoothing and random erasing (dataset base).
# SimMIM's code scales the base lr by batch/512 (not printed in simmim.txt).
_base_ = [
    '../../_base_/models/classifier_vit.py',
    '../../_base_/datasets/imagenet_finetune.py',
    '../../_base_/schedules/finetune_adamw_cosine-100e.py',
]
model = dict(
    backbone=dict(
        _delete_=True, type='mmpretrain.SwinTransformer', arch='base', img_size=224, window_size=7,
        drop_path_rate=0.1,                                        # simmim.txt Sec. 4.1.1
        init_cfg=dict(type='mimbench.Pretrained', checkpoint=None)),
    neck=dict(type='mmpretrain.GlobalAveragePooling'),
    head=dict(num_classes=1000, in_channels=1024))
train_dataloader = dict(batch_size=256)                            # x 8 GPUs = 2048: simmim.txt Sec. 4.1.1
optim_wrapper = dict(
    optimizer=dict(lr=5e-3 * 2048 / 512, weight_decay=0.05),       # simmim.txt Sec. 4.1.1
    paramwise_cfg=dict(layer_decay_rate=0.9, rule='simmim'))       # simmim.txt Sec. 4.1.1
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=10, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-6, by_epoch=True, begin=10, end=100, convert_to_iter_based=True),
]
auto_scale_lr = dict(base_batch_size=2048)
mimbench = dict(task='in1k', method='simmim', backbone='swin-b', scale='full')
