# MAE ViT-H/14 pre-training on ImageNet-1K (mae.txt App. A.1, Table 8; 1600 epochs as in Table 3): the ViT-B
# recipe with the larger encoder (the recipe does not depend on the size: same batch, lr, schedule).
_base_ = './mae_vit-base-p16_8xb512-coslr-1600e_in1k.py'
model = dict(
    backbone=dict(arch='h', patch_size=14),         # ViT-H/14: 1280-d, 32 blocks, 16 heads (mae.txt Table 3)
    neck=dict(embed_dim=1280, num_patches=256, patch_size=14),   # (224 / 14)^2 = 256 patches
    head=dict(patch_size=14))
# which recipe of configs/recipes.csv this is (checked by tests/test_recipes.py)
mimbench = dict(recipe='mae.txt Table 8', method='mae', backbone='vit-h')
