# MAE ViT-B/16 fine-tuning with the paper's text recipe, mae.txt Table 9 (the default recipe is the release's,
# finetune_vit-base-p16_mae_8xb128-100e_in1k.py): base lr 1e-3 -> 4e-3 at batch 1024 (A.1 linear rule), layer
# decay 0.75, drop path 0.1 (B/L), the class token as the classifier input (mae.txt A.1: "This token will be
# treated as the class token for training the classifier"), everything else as the release recipe. Table 9 is
# the recipe of the unnormalised-pixel baseline (FINETUNE.md notes), e.g. mae.txt Table 7 "pixel (w/o norm)".
_base_ = './finetune_vit-base-p16_mae_8xb128-100e_in1k.py'
model = dict(backbone=dict(out_type='cls_token', final_norm=True, drop_path_rate=0.1))   # A.1; Table 9 (B/L)
optim_wrapper = dict(
    optimizer=dict(lr=1e-3 * 1024 / 256),                        # mae.txt Table 9 base lr 1e-3 x batch / 256
    paramwise_cfg=dict(layer_decay_rate=0.75))                   # mae.txt Table 9
mimbench = dict(recipe='mae.txt Table 9')
