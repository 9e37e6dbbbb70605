# Smoke variant of imagenet_variants.py: the generated data of `mimbench data make --root data/smoke`
# (mimbench.datasets.synthetic.make_imagenet_variant, 64 px) and the smoke in1k classifier's 4 classes.
_base_ = './imagenet_variants.py'

robustness_dataset = dict(
    # the smoke in1k classifier's classes (mimbench.datasets.synthetic.imagenet_smoke_wnids)
    label_wnids=['n00000000', 'n00000001', 'n00000002', 'n00000003'],
    pipeline=[
        dict(type='mmpretrain.LoadImageFromFile'),
        dict(type='mmpretrain.ResizeEdge', scale=73, edge='short', backend='pillow',
             interpolation='bicubic'),
        dict(type='mmpretrain.CenterCrop', crop_size=64),   # 64/73 ~ the full recipe's 224/256
        dict(type='mmpretrain.PackInputs'),
    ])
