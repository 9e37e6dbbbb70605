# MixMIM-L pre-training on ImageNet-1K (mixmim.txt Sec. 2.2, Sec. 8 Table 11; 600 epochs as in Table 4).
_base_ = './mixmim_mixmim-base_8xb128-coslr-600e_in1k.py'

model = dict(
    backbone=dict(arch='large'),   # C=(192,384,768,1536) H=(6,12,24,48) B=(2,2,18,2), mixmim.txt Sec. 2.2
    neck=dict(embed_dim=1536))     # stage-4 width of MixMIM-L; linear 1536 -> 512 (mixmim.txt Sec. 2.2)
# which recipe of configs/recipes.csv this is (checked by tests/test_recipes.py)
mimbench = dict(recipe='mixmim.txt Table 11', method='mixmim', backbone='mixmim-l')
