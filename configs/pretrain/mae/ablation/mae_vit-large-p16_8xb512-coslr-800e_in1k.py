# mae.txt Table 1d "pixel (w/ norm)": the Table 1 base with per-patch normalised pixels, which is mimbench's
# MAE recipe (mae.txt Table 3 caption) at 800 epochs: no variant. Paper: 85.4 ft / 73.9 lin.
_base_ = './mae_vit-large-p16_8xb512-coslr-800e_in1k_pixel-no-norm.py'

model = dict(head=dict(norm_pix=True))              # mae.txt Sec. 4.1 "Using pixels with normalization"
mimbench = dict(variant=None, recipe='mae.txt Table 1d')
