# MAE ViT-L/16 -> UperNet on ADE20K (mae.txt A.4, Table 5: 53.6 mIoU): the ViT-B recipe (100 epochs at batch
# 16, zero-initialised relative position bias) with the large encoder, BEiT's large-model feature blocks 8,
# 12, 16 and 24 (out_indices [7, 11, 15, 23]). The lr is searched per entry and not printed (mae.txt A.4): lr
# 1e-4 as ViT-B; layer decay 0.75 and drop path 0.2, MAE's ViT-L fine-tuning values (FINETUNE.md) -- not in
# mae.txt A.4.
_base_ = './upernet_vit-base-p16_mae_8xb2-126k_ade20k.py'
model = dict(
    backbone=dict(vit=dict(arch=dict(embed_dims=1024, num_layers=24, num_heads=16, feedforward_channels=4096),
                           drop_path_rate=0.2),                  # MAE release ViT-L fine-tuning value
                  out_indices=[7, 11, 15, 23]),                  # BEiT's segmentation code (large)
    decode_head=dict(in_channels=[1024, 1024, 1024, 1024], channels=1024),
    auxiliary_head=dict(in_channels=1024))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.75))  # MAE release ViT-L fine-tuning value
mimbench = dict(backbone='vit-l')
