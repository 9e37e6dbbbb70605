# mae.txt Table 1b: decoder width 256 (the base has 512-d; 16 heads as the official code). Paper: 84.8 ft /
# 71.3 lin.
_base_ = './mae_vit-large-p16_8xb512-coslr-800e_in1k_pixel-no-norm.py'

model = dict(neck=dict(decoder_embed_dim=256))         # mae.txt Table 1b "dim"
mimbench = dict(variant='dec-width-256', recipe='mae.txt Table 1b')
