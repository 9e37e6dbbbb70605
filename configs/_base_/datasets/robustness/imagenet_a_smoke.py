# Smoke variant of imagenet_a.py: the generated data of `mimbench data make --root data/smoke`
# (mimbench.datasets.synthetic.make_imagenet_variant), 3 of the smoke in1k classifier's 4 classes, so its
# logits are restricted to a subset as the real 1000 are to 200.
_base_ = './imagenet_variants_smoke.py'

robustness_dataset = dict(
    type='mimbench.ImageNetA', data_root='data/smoke/imagenet-a',
    subset=['n00000000', 'n00000001', 'n00000003'])   # mimbench.datasets.synthetic.IMAGENET_A_SMOKE_WNIDS
