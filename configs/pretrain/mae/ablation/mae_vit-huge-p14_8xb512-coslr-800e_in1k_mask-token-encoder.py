# mae.txt Table 2 "ViT-H, w/ [M]": mask tokens in the encoder. Paper: no fine-tuning result; 119.6 h
# (estimated from ten epochs).
_base_ = './mae_vit-huge-p14_8xb512-coslr-800e_in1k_pixel-no-norm.py'

model = dict(backbone=dict(type='mimbench.MAEViTMaskTokenEncoder'))  # mae.txt Sec. 4.1 "Mask token"
mimbench = dict(variant='mask-token-encoder', recipe='mae.txt Table 2')
