# mae.txt Table 1a: decoder depth 12 (the base has 8 blocks). Paper: 84.4 ft / 73.3 lin.
_base_ = './mae_vit-large-p16_8xb512-coslr-800e_in1k_pixel-no-norm.py'

model = dict(neck=dict(decoder_depth=12))              # mae.txt Table 1a "blocks"
mimbench = dict(variant='dec-depth-12', recipe='mae.txt Table 1a')
