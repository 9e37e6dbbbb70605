# SimMIM Swin-B fine-tuning on iNaturalist 2018 (simmim.txt C.1, Table 10): "AdamW optimizer by 100 epochs ... a
# batch size of 2048, a base learning rate of 1.6e-2, a weight decay of 0.05, beta1=0.9, beta2=0.999, a stochastic
# depth ratio of 0.1, and a layer-wise learning rate decay of 0.9" with RandAug, Mixup, Cutmix, label smoothing and
# random erasing (dataset base). The base lr is used as the lr at batch 2048 (scaling rule not printed).
_base_ = [
    '../../_base_/models/classifier_vit.py',
    '../../_base_/datasets/inat2018.py',
    '../../_base_/schedules/finetune_adamw_cosine-100e.py',
]
model = dict(
    backbone=dict(
        _delete_=True, type='mmpretrain.SwinTransformer', arch='base', img_size=224, window_size=7,
        drop_path_rate=0.1,                                        # simmim.txt C.1
        init_cfg=dict(type='mimbench.Pretrained', checkpoint=None)),
    neck=dict(type='mmpretrain.GlobalAveragePooling'),
    head=dict(num_classes=8142, in_channels=1024))
train_dataloader = dict(batch_size=256)                            # x 8 GPUs = 2048: simmim.txt C.1
optim_wrapper = dict(
    optimizer=dict(lr=1.6e-2, weight_decay=0.05),                  # simmim.txt C.1
    paramwise_cfg=dict(layer_decay_rate=0.9, rule='simmim'))       # simmim.txt C.1
auto_scale_lr = dict(base_batch_size=2048)
mimbench = dict(task='inat2018', method='simmim', backbone='swin-b', scale='full')
