# CiM-REVDet ResNet-50 end-to-end fine-tuning on ImageNet-1K for 100 epochs (cim.txt Table 2: 78.6), recipe
# cim.txt A.3 Table 11 (100-epoch column; "basically follow" RSB A3, Wightman et al. 2021): AdamW, peak lr
# 12e-3 at batch 2048, no layer decay, cosine, binary cross-entropy, 5 warm-up epochs, wd 0.02, train at 160
# px and test at 224 with crop ratio 0.95 (resize int(224 / 0.95) = 235 as timm's eval transform), no repeated
# augmentation, RandAug 6/0.5, mixup 0.1, cutmix 1.0, label smoothing 0.1, no drop path, no dropout. Not in
# Table 11: betas (AdamW's (0.9, 0.999)), no random erasing (RSB uses none). The 300/600-epoch columns are
# finetune_resnet-50_cim-revdet_8xb256-{300,600}e_in1k.py; the recipe is the same for RESPIX (Table 2).
_base_ = [
    '../../_base_/models/classifier_vit.py',
    '../../_base_/datasets/imagenet_finetune.py',
    '../../_base_/schedules/finetune_adamw_cosine-100e.py',
]
model = dict(
    backbone=dict(_delete_=True, type='mmpretrain.ResNet', depth=50,
                  drop_path_rate=0.0,                            # cim.txt Table 11: no stochastic depth
                  init_cfg=dict(type='mimbench.Pretrained', checkpoint=None)),
    neck=dict(type='mmpretrain.GlobalAveragePooling'),
    head=dict(num_classes=1000, in_channels=2048,
              loss=dict(type='mmpretrain.LabelSmoothLoss', label_smooth_val=0.1, mode='original',
                        use_sigmoid=True)))                      # BCE + label smoothing 0.1: cim.txt Table 11
data_preprocessor = dict(batch_augments=dict(augments=[dict(type='mmpretrain.Mixup', alpha=0.1),      # Table 11
                                                       dict(type='mmpretrain.CutMix', alpha=1.0)]))
train_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.RandomResizedCrop', scale=160, backend='pillow', interpolation='bicubic'),  # Table 11
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.RandAugment', policies='timm_increasing', num_policies=2, total_level=10,
         magnitude_level=6, magnitude_std=0.5,                   # RandAug 6 / 0.5: cim.txt Table 11
         hparams=dict(pad_val=[104, 116, 124], interpolation='bicubic')),
    dict(type='mmpretrain.PackInputs'),
]
test_pipeline = [   # cim.txt Table 11: test resolution 224, crop ratio 0.95
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.ResizeEdge', scale=235, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='mmpretrain.CenterCrop', crop_size=224),
    dict(type='mmpretrain.PackInputs'),
]
train_dataloader = dict(batch_size=256, dataset=dict(pipeline=train_pipeline))   # x 8 GPUs = 2048: Table 11
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(
    _delete_=True, type='AmpOptimWrapper', dtype='bfloat16',
    optimizer=dict(type='AdamW', lr=12e-3, betas=(0.9, 0.999), weight_decay=0.02))   # cim.txt Table 11 (100 ep)
auto_scale_lr = dict(base_batch_size=2048)
mimbench = dict(task='in1k', method='cim-revdet', backbone='resnet-50', scale='full',
                recipe='cim.txt Table 11 (100 ep)')
