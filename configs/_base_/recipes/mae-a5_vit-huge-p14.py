# MAE ViT-H/14 end-to-end fine-tuning on iNaturalist and Places (mae.txt Table 6): mae.txt A.5 -> Table 9 with
# the huge model's values, 50 epochs (L/H) and drop path 0.2 (H); else as the ViT-B recipe.
_base_ = './mae-a5_vit-base-p16.py'
model = dict(
    backbone=dict(arch=dict(embed_dims=1280, num_layers=32, num_heads=16, feedforward_channels=5120),
                  patch_size=14, drop_path_rate=0.2),            # ViT-H/14; mae.txt Table 9 (H)
    head=dict(in_channels=1280))
train_cfg = dict(max_epochs=50)                                  # mae.txt Table 9 (L/H)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-6, by_epoch=True, begin=5, end=50, convert_to_iter_based=True),
]
mimbench = dict(backbone='vit-h')
