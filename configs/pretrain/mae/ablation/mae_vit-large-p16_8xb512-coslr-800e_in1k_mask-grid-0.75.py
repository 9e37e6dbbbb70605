# mae.txt Table 1f "grid (75)": grid-wise sampling, one of every four patches kept (mae.txt Sec. 4.1, Fig. 6
# right). Paper: 84.0 ft / 66.0 lin.
_base_ = './mae_vit-large-p16_8xb512-coslr-800e_in1k_pixel-no-norm.py'

model = dict(backbone=dict(mask_mode='grid', mask_ratio=0.75))   # mae.txt Table 1f
mimbench = dict(variant='mask-grid-0.75', recipe='mae.txt Table 1f')
