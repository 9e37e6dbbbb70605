# CiM (RESPIX) ViT-B/16 end-to-end fine-tuning on ImageNet-1K (cim.txt Table 1: 83.3), recipe cim.txt A.2 Table 10:
# AdamW, peak lr 3e-3 (RESPIX; 5e-3 for REVDET), layer decay 0.8, batch 1024, wd 0.05, betas (0.9, 0.999), cosine,
# 5 warmup epochs, 100 epochs, drop path 0.1, label smoothing 0.1, mixup 0.8, cutmix 1.0, RandAug 9/0.5 (dataset
# base), test crop ratio 0.95 at 224. BEiT's layer-id rule (cim.txt Sec. 3.2: "mostly follow BEiT").
_base_ = [
    '../../_base_/models/classifier_vit.py',
    '../../_base_/datasets/imagenet_finetune.py',
    '../../_base_/schedules/finetune_adamw_cosine-100e.py',
]
model = dict(backbone=dict(img_size=224, drop_path_rate=0.1), head=dict(num_classes=1000, in_channels=768))
optim_wrapper = dict(
    optimizer=dict(lr=3e-3, weight_decay=0.05),                  # cim.txt Table 10 (RESPIX; REVDET: 5e-3)
    paramwise_cfg=dict(layer_decay_rate=0.8, rule='beit'))       # cim.txt Table 10
test_pipeline = [   # test crop ratio 0.95: resize the short edge to 224 / 0.95 = 236, centre-crop 224 (Table 10)
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.ResizeEdge', scale=236, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='mmpretrain.CenterCrop', crop_size=224),
    dict(type='mmpretrain.PackInputs'),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
mimbench = dict(task='in1k', method='cim-respix', backbone='vit-b', scale='full')
