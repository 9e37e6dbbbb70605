# ImageNet-A (Hendrycks et al., CVPR 2021): 7,500 natural adversarial images of 200 ImageNet-1K classes, for
# the robustness evaluation of mae.txt Appendix C / Table 13 (pipeline and metric: imagenet_variants.py).
# Layout: <root>/<wnid>/*.jpg, 200 class folders
#   (check it: `mimbench data check --task imagenet-a --root DIR`)
_base_ = './imagenet_variants.py'

robustness_dataset = dict(type='mimbench.ImageNetA', data_root='data/imagenet-a')   # subset: its 200 classes
