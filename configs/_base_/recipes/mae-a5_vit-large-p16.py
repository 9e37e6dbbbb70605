# MAE ViT-L/16 end-to-end fine-tuning on iNaturalist and Places (mae.txt Table 6): mae.txt A.5 -> Table 9 with
# the large model's values, 50 epochs (L/H) and drop path 0.1 (B/L); else as the ViT-B recipe.
_base_ = './mae-a5_vit-base-p16.py'
model = dict(
    backbone=dict(arch=dict(embed_dims=1024, num_layers=24, num_heads=16, feedforward_channels=4096),
                  drop_path_rate=0.1),                           # ViT-L/16; mae.txt Table 9 (B/L)
    head=dict(in_channels=1024))
train_cfg = dict(max_epochs=50)                                  # mae.txt Table 9 (L/H)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-6, by_epoch=True, begin=5, end=50, convert_to_iter_based=True),
]
mimbench = dict(backbone='vit-l')
