# CiM-RESPIX with a vanilla ViT-S/16 (DeiT-S) enhancer, 300 epochs (cim.txt Table 1: 81.5 top-1, 200-epoch
# fine-tuning). Recipe as ViT-B (cim.txt Table 9 "almost the same for different architectures"); generator
# width follows the enhancer (384, Table 9).
_base_ = './cim-respix_vit-base-p16_16xb128-coslr-300e_in1k.py'

model = dict(
    backbone=dict(arch='deit-small'),        # ViT-S/16 of Touvron et al. 2021a: 384-d, 12 layers, 6 heads (Table 1)
    generator=dict(embed_dims=384, num_heads=6, feedforward_channels=1536),   # "same to the enhancer" (Table 9)
    head=dict(in_channels=384))
# which recipe of configs/recipes.csv this is (checked by tests/test_recipes.py)
mimbench = dict(recipe='cim.txt Table 9', method='cim-respix', backbone='vit-s')
