# mae.txt Table 1b: decoder width 128 (the base has 512-d; 16 heads as the official code). Paper: 84.9 ft /
# 69.1 lin.
_base_ = './mae_vit-large-p16_8xb512-coslr-800e_in1k_pixel-no-norm.py'

model = dict(neck=dict(decoder_embed_dim=128))         # mae.txt Table 1b "dim"
mimbench = dict(variant='dec-width-128', recipe='mae.txt Table 1b')
