# MAE ViT-H/14 fine-tuning with mae.txt Table 9 (paper text; default: the release recipe of
# finetune_vit-huge-p14_mae_8xb128-50e_in1k.py): 4e-3 at batch 1024, layer decay 0.75, drop path 0.2 (H),
# 50 epochs (L/H), class token (mae.txt A.1).
_base_ = './finetune_vit-huge-p14_mae_8xb128-50e_in1k.py'
model = dict(backbone=dict(out_type='cls_token', final_norm=True, drop_path_rate=0.2))   # A.1; Table 9 (H)
optim_wrapper = dict(
    optimizer=dict(lr=1e-3 * 1024 / 256),                        # mae.txt Table 9
    paramwise_cfg=dict(layer_decay_rate=0.75))                   # mae.txt Table 9
mimbench = dict(recipe='mae.txt Table 9')
