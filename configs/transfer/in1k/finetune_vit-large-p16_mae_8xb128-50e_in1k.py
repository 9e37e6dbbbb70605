# MAE ViT-L/16 end-to-end fine-tuning on ImageNet-1K (mae.txt Table 3: 85.9) with the official release recipe
# (facebookresearch/mae FINETUNE.md, ViT-Large: "85.952"): blr 1e-3 -> 4e-3 at batch 1024, layer decay 0.75,
# drop path 0.2, 50 epochs; else as the ViT-B release recipe. mae.txt Table 9 (drop path 0.1) is the named
# variant finetune_vit-large-p16_mae_8xb128-paper-50e_in1k.py.
_base_ = './finetune_vit-base-p16_mae_8xb128-100e_in1k.py'
model = dict(
    backbone=dict(arch=dict(embed_dims=1024, num_layers=24, num_heads=16, feedforward_channels=4096),
                  drop_path_rate=0.2),                           # ViT-L/16; FINETUNE.md --drop_path 0.2
    head=dict(in_channels=1024))
optim_wrapper = dict(
    optimizer=dict(lr=1e-3 * 1024 / 256),                        # FINETUNE.md --blr 1e-3 (x batch / 256)
    paramwise_cfg=dict(layer_decay_rate=0.75))                   # FINETUNE.md --layer_decay 0.75
train_cfg = dict(max_epochs=50)                                  # FINETUNE.md --epochs 50 (= Table 9 L/H)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-6, by_epoch=True, begin=5, end=50, convert_to_iter_based=True),
]
mimbench = dict(backbone='vit-l')
