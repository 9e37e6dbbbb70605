# MAE ViT-L/16 linear probing on ImageNet-1K (mae.txt Table 12: 75.8), the ViT-B recipe of mae.txt Table 10
# with the large encoder frozen (all 24 blocks). FINETUNE.md notes 50 epochs suffice for ViT-L/H
# (--cfg-options train_cfg.max_epochs=50 and the scheduler ends); the paper's Table 10 says 90.
_base_ = './linear_vit-base-p16_mae_32xb512-90e_in1k.py'
model = dict(
    backbone=dict(arch=dict(embed_dims=1024, num_layers=24, num_heads=16, feedforward_channels=4096),
                  frozen_stages=24),                             # ViT-L/16, every block frozen
    neck=dict(in_channels=1024),
    head=dict(in_channels=1024))
mimbench = dict(backbone='vit-l')
