# MAE ViT-H/14 linear probing on ImageNet-1K (mae.txt Table 12: 76.6), the ViT-B recipe of mae.txt Table 10
# with the huge encoder frozen (all 32 blocks). FINETUNE.md notes 50 epochs suffice for ViT-L/H; Table 10 says
# 90.
_base_ = './linear_vit-base-p16_mae_32xb512-90e_in1k.py'
model = dict(
    backbone=dict(arch=dict(embed_dims=1280, num_layers=32, num_heads=16, feedforward_channels=5120),
                  patch_size=14, frozen_stages=32),              # ViT-H/14, every block frozen
    neck=dict(in_channels=1280),
    head=dict(in_channels=1280))
mimbench = dict(backbone='vit-h')
