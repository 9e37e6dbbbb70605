# MAE ViT-L/16 -> Mask R-CNN + FPN on COCO (mae.txt A.3, Table 4: 53.3 AP^box / 47.2 AP^mask).
# 24 blocks in 4 groups of 6 (mae.txt A.3). Recipe of the ViT-B config with the large model's values of the
# benchmark mae.txt A.3 defers to (ref. 65): drop path 0.4, layer decay 0.8 (not printed in mae.txt).
_base_ = './mask-rcnn_vit-base-p16_mae_8xb8-lsj-100e_coco.py'
model = dict(
    backbone=dict(vit=dict(arch=dict(embed_dims=1024, num_layers=24, num_heads=16, feedforward_channels=4096),
                           drop_path_rate=0.4)),                 # ViT-L/16; drop path: ref. 65
    neck=dict(in_channels=[1024, 1024, 1024, 1024]))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.8))  # ref. 65
mimbench = dict(backbone='vit-l')
