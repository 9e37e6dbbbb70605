# mae.txt Table 1a: decoder depth 4 (the base has 8 blocks). Paper: 84.9 ft / 71.9 lin.
_base_ = './mae_vit-large-p16_8xb512-coslr-800e_in1k_pixel-no-norm.py'

model = dict(neck=dict(decoder_depth=4))              # mae.txt Table 1a "blocks"
mimbench = dict(variant='dec-depth-4', recipe='mae.txt Table 1a')
