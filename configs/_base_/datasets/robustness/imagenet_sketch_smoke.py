# Smoke variant of imagenet_sketch.py: the generated data of `mimbench data make --root data/smoke`
# (mimbench.datasets.synthetic.make_imagenet_variant: the smoke in1k classifier's 4 classes as drawings).
_base_ = './imagenet_variants_smoke.py'

robustness_dataset = dict(type='mimbench.ImageNetSketch', data_root='data/smoke/imagenet-sketch')
