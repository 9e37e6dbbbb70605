# mae.txt Table 1f "block (75)": BEiT's block-wise masking (mae.txt Sec. 4.1, Fig. 6 middle). Paper: 82.8 ft /
# 63.9 lin.
_base_ = './mae_vit-large-p16_8xb512-coslr-800e_in1k_pixel-no-norm.py'

model = dict(backbone=dict(mask_mode='block', mask_ratio=0.75))   # mae.txt Table 1f
mimbench = dict(variant='mask-block-0.75', recipe='mae.txt Table 1f')
