# SimMIM Swin-B fine-tuning on iNaturalist 2018 (simmim.txt C.1; Tables 10-11, e.g. 75.2 for the 100-epoch
# ablation model). simmim.txt C.1: "AdamW optimizer by 100 epochs ... a batch size of 2048, a base learning
# rate of 1.6e-2, a weight decay of 0.05, beta1=0.9, beta2=0.999, a stochastic depth ratio of 0.1, and a
# layer-wise learning rate decay of 0.9" with BEiT's augmentations (RandAug, Mixup, Cutmix, label smoothing,
# random erasing). The lr is read as the lr at batch 2048, as simmim.txt prints every lr (Sec. 4.1.1's 5e-3 is
# the release's 1.25e-3 x 2048 / 512). Not printed in C.1, chosen as the ablation's IN-1K fine-tuning (the
# release config of finetune_swin-base-w6_simmim_8xb256-100e_in1k-192px.py): 192 px with window 6, 20 warm-up
# epochs from 1e-6, cosine to 1e-6, gradient clipping at 5, the release's augmentation strengths, SimMIM's
# layer ids.
_base_ = [
    '../../_base_/models/classifier_vit.py',
    '../../_base_/datasets/inat2018.py',
    '../../_base_/schedules/finetune_adamw_cosine-100e.py',
    '../../_base_/datasets/shared/classification_finetune_sizes.py',
]
model = dict(
    backbone=dict(
        _delete_=True, type='mmpretrain.SwinTransformer', arch='base', img_size=192, window_size=6,
        drop_path_rate=0.1,                                        # simmim.txt C.1
        init_cfg=dict(type='mimbench.Pretrained', checkpoint=None)),
    neck=dict(type='mmpretrain.GlobalAveragePooling'),
    head=dict(num_classes=8142, in_channels=1024))
train_dataloader = dict(batch_size=256, dataset=dict(pipeline=_base_.train_pipeline_192))   # x 8 = 2048: C.1
val_dataloader = dict(dataset=dict(pipeline=_base_.test_pipeline_192))
test_dataloader = val_dataloader
optim_wrapper = dict(
    optimizer=dict(lr=1.6e-2, weight_decay=0.05),                  # simmim.txt C.1 (at batch 2048)
    paramwise_cfg=dict(layer_decay_rate=0.9, rule='simmim'),       # simmim.txt C.1
    clip_grad=dict(max_norm=5.0))                                  # SimMIM release TRAIN.CLIP_GRAD
warmup_epochs = 20                                                 # SimMIM release fine-tuning configs
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6 / 1.6e-2, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-6, by_epoch=True, begin=warmup_epochs, end=100,
         convert_to_iter_based=True),
]
auto_scale_lr = dict(base_batch_size=2048)
mimbench = dict(task='inat2018', method='simmim', backbone='swin-b', scale='full', resolution=192,
                recipe='simmim.txt C.1')
