# MAE ViT-B/16 pre-training on ImageNet-1K, the paper's recipe (mae.txt App. A.1, Table 8; 1600 epochs and
# normalised pixels as in Table 3). Total batch 4096 = 8 GPUs x 512 (mae.txt Table 8).
#   mimbench train configs/pretrain/mae/mae_vit-base-p16_8xb512-coslr-1600e_in1k.py --launcher pytorch
_base_ = [
    '../../_base_/pretrain/imagenet_pretrain.py',   # RandomResizedCrop + flip (mae.txt Table 8)
    '../../_base_/pretrain/default_runtime.py',
    '../../_base_/pretrain/adamw_coslr.py',         # AdamW, lr = 1.5e-4 x 4096 / 256, wd .05 (Table 8)
    '../../_base_/pretrain/mae_vit-base-p16.py',
]

train_dataloader = dict(batch_size=512)             # x 8 GPUs = 4096, mae.txt Table 8

max_epochs = 1600                                   # mae.txt Table 3 caption "pre-trained for 1600 epochs"
warmup_epochs = 40                                  # mae.txt Table 8
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=0.0, by_epoch=True,
         begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),   # mae.txt Table 8 "cosine decay"
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
# which recipe of configs/recipes.csv this is (checked by tests/test_recipes.py)
mimbench = dict(recipe='mae.txt Table 8', method='mae', backbone='vit-b')
