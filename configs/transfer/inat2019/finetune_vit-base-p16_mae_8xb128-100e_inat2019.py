# MAE ViT-B/16 end-to-end fine-tuning on inat2019 (mae.txt Table 6, mixmim.txt Table 5), recipe mae.txt Table 9: AdamW, base lr 1e-3
# (x batch/256), wd 0.05, layer decay 0.75, batch 1024, cosine, 5 warmup epochs, 100 epochs (B), RandAug (9, 0.5),
# label smoothing 0.1, mixup 0.8, cutmix 1.0, drop path 0.1; global average pooling (mae.txt A.1).
# mae.txt A.5: "We follow the setting in Table 9 for iNaturalist and Places fine-tuning. We adjust the lr and
# fine-tuning epochs for each individual dataset" -- the adjusted values are not printed: Table 9's are used.
# Run: mim train mmpretrain configs/transfer/inat2019/<this file> --launcher pytorch --gpus 8 \
#        --cfg-options model.backbone.init_cfg.checkpoint=PATH
_base_ = [
    '../../_base_/models/classifier_vit.py',
    '../../_base_/datasets/inat2019.py',
    '../../_base_/schedules/finetune_adamw_cosine-100e.py',
]
model = dict(
    backbone=dict(img_size=224, drop_path_rate=0.1),             # mae.txt Table 9 (B)
    head=dict(num_classes=1010, in_channels=768))
optim_wrapper = dict(
    optimizer=dict(lr=1e-3 * 1024 / 256, weight_decay=0.05),     # mae.txt Table 9 and A.1 (lr = base x batch/256)
    paramwise_cfg=dict(layer_decay_rate=0.75, rule='mae'))       # mae.txt Table 9
mimbench = dict(task='inat2019', method='mae', backbone='vit-b', scale='full')
