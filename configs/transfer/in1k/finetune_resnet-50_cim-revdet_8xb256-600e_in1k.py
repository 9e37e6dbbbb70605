# CiM-REVDet ResNet-50 fine-tuning on ImageNet-1K for 600 epochs (cim.txt Table 2: 80.6; Table 8), cim.txt
# Table 11's 600-epoch column (RSB A1-like): wd 0.01, mixup 0.2, label smoothing 0.1, drop path 0.05; train at
# 224, repeated augmentation, RandAug 7/0.5, cutmix 1.0, peak lr 12e-3, batch 2048, 5 warm-up epochs as 300
# epochs.
_base_ = './finetune_resnet-50_cim-revdet_8xb256-300e_in1k.py'
model = dict(
    backbone=dict(drop_path_rate=0.05),                          # cim.txt Table 11 (600 ep)
    # binary cross-entropy + label smoothing 0.1: cim.txt Table 11 (600 ep)
    head=dict(loss=dict(_delete_=True, type='mmpretrain.LabelSmoothLoss', label_smooth_val=0.1,
                        mode='original', use_sigmoid=True)))
data_preprocessor = dict(batch_augments=dict(augments=[dict(type='mmpretrain.Mixup', alpha=0.2),   # Table 11
                                                       dict(type='mmpretrain.CutMix', alpha=1.0)]))
optim_wrapper = dict(optimizer=dict(weight_decay=0.01))          # cim.txt Table 11 (600 ep)
train_cfg = dict(max_epochs=600)                                 # cim.txt Table 11 / Table 2
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-6, by_epoch=True, begin=5, end=600, convert_to_iter_based=True),
]
mimbench = dict(recipe='cim.txt Table 11 (600 ep)')
