# MAE ViT-L/16 pre-training on ImageNet-1K (mae.txt App. A.1, Table 8; 1600 epochs as in Table 3): the ViT-B
# recipe with the larger encoder (the recipe does not depend on the size: same batch, lr, schedule).
_base_ = './mae_vit-base-p16_8xb512-coslr-1600e_in1k.py'
model = dict(
    backbone=dict(arch='l'),                        # ViT-L: 1024-d, 24 blocks, 16 heads (mae.txt Table 3)
    neck=dict(embed_dim=1024))                      # encoder width -> 512-d decoder (mae.txt App. A.1)
# which recipe of configs/recipes.csv this is (checked by tests/test_recipes.py)
mimbench = dict(recipe='mae.txt Table 8', method='mae', backbone='vit-l')
