# mae.txt Table 1b: decoder width 768 (the base has 512-d; 16 heads as the official code). Paper: 84.4 ft /
# 73.1 lin.
_base_ = './mae_vit-large-p16_8xb512-coslr-800e_in1k_pixel-no-norm.py'

model = dict(neck=dict(decoder_embed_dim=768))         # mae.txt Table 1b "dim"
mimbench = dict(variant='dec-width-768', recipe='mae.txt Table 1b')
