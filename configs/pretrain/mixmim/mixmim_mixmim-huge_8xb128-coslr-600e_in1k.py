# MixMIM-H pre-training on ImageNet-1K (mixmim.txt Sec. 2.2, Sec. 8 Table 11). The paper does not state
# MixMIM-H's epochs (it appears only in Fig. 2); 600 as for -B/-L (mixmim.txt Sec. 3 default).
_base_ = './mixmim_mixmim-base_8xb128-coslr-600e_in1k.py'

model = dict(
    backbone=dict(arch='huge'),    # C=(352,704,1408,2816) H=(11,22,44,88) B=(2,2,18,2), mixmim.txt Sec. 2.2
    neck=dict(embed_dim=2816))     # stage-4 width of MixMIM-H; linear 2816 -> 512 (mixmim.txt Sec. 2.2)
# which recipe of configs/recipes.csv this is (checked by tests/test_recipes.py)
mimbench = dict(recipe='mixmim.txt Table 11', method='mixmim', backbone='mixmim-h')
