# ImageNet-Sketch (Wang et al., NeurIPS 2019): 50,889 black-and-white sketches of the 1000 ImageNet-1K
# classes, for the robustness evaluation of mae.txt Appendix C / Table 13 (pipeline and metric:
# imagenet_variants.py).
# Layout: <root>/sketch/<wnid>/*.JPEG (the unzipped release) or <root>/<wnid>/*
#   (check it: `mimbench data check --task imagenet-sketch --root DIR`)
_base_ = './imagenet_variants.py'

robustness_dataset = dict(type='mimbench.ImageNetSketch', data_root='data/imagenet-sketch')
