# ImageNet-R (Hendrycks et al., ICCV 2021): 30,000 renditions (art, cartoons, ...) of 200 ImageNet-1K
# classes, for the robustness evaluation of mae.txt Appendix C / Table 13 (pipeline and metric:
# imagenet_variants.py).
# Layout: <root>/<wnid>/*.jpg, 200 class folders
#   (check it: `mimbench data check --task imagenet-r --root DIR`)
_base_ = './imagenet_variants.py'

robustness_dataset = dict(type='mimbench.ImageNetR', data_root='data/imagenet-r')   # subset: its 200 classes
