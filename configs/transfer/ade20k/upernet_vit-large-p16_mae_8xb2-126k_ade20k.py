# MAE ViT-L/16 -> UperNet on ADE20K (mae.txt A.4, Table 5: 53.6 mIoU). ViT-B recipe with the large encoder;
# layer decay 0.75 (MAE's large-model value, mae.txt Table 9 footnote; lr searched in mae.txt A.4).
_base_ = './upernet_vit-base-p16_mae_8xb2-126k_ade20k.py'
model = dict(
    backbone=dict(vit=dict(arch=dict(embed_dims=1024, num_layers=24, num_heads=16, feedforward_channels=4096),
                           drop_path_rate=0.2)),
    decode_head=dict(in_channels=[1024, 1024, 1024, 1024], channels=1024),
    auxiliary_head=dict(in_channels=1024))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.75))
mimbench = dict(task='ade20k', method='mae', backbone='vit-l', scale='full')
