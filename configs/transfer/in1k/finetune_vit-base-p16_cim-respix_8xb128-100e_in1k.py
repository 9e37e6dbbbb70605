# CiM-RESPIX ViT-B/16 end-to-end fine-tuning on ImageNet-1K (cim.txt Table 1: 83.3), recipe cim.txt A.2 Table
# 10: AdamW, peak lr 3e-3 for RESPIX (at batch 1024; the paper gives no scaling rule), layer decay 0.8 with
# BEiT's layer ids (Table 10 "(Bao et al., 2021)"; Sec. 3.2 "mostly follow BEiT"), batch 1024, wd 0.05, betas
# (0.9, 0.999), cosine, 5 warm-up epochs, 100 epochs (ViT-B), drop path 0.1, label smoothing 0.1, mixup 0.8,
# cutmix 1.0, RandAug 9/0.5, test at 224 with crop ratio 0.95: resize int(224 / 0.95) = 235 as BEiT's eval
# transform, then centre-crop 224. Not in Table 10 (BEiT code base's defaults): random erasing 0.25, mean
# pooling + norm.
_base_ = [
    '../../_base_/models/classifier_vit.py',
    '../../_base_/datasets/imagenet_finetune.py',
    '../../_base_/schedules/finetune_adamw_cosine-100e.py',
]
model = dict(backbone=dict(img_size=224, drop_path_rate=0.1),     # cim.txt Table 10
             head=dict(num_classes=1000, in_channels=768))
optim_wrapper = dict(
    optimizer=dict(lr=3e-3, weight_decay=0.05),                  # cim.txt Table 10 (ViT-B/16 RESPIX)
    paramwise_cfg=dict(layer_decay_rate=0.8, rule='beit'))       # cim.txt Table 10
test_pipeline = [   # cim.txt Table 10: test resolution 224, test crop ratio 0.95
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.ResizeEdge', scale=235, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='mmpretrain.CenterCrop', crop_size=224),
    dict(type='mmpretrain.PackInputs'),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
mimbench = dict(task='in1k', method='cim-respix', backbone='vit-b', scale='full', recipe='cim.txt Table 10')
