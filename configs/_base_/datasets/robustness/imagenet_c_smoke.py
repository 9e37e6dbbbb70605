# Smoke variant of imagenet_c.py: the generated data of `mimbench data make --root data/smoke`
# (mimbench.datasets.synthetic.make_imagenet_c: make_imagenet's 4 classes, 64 px, all corruptions and
# severities).
_base_ = './imagenet_c.py'

robustness_dataset = dict(
    data_root='data/smoke/imagenet-c',
    # the smoke in1k classifier's classes (mimbench.datasets.synthetic.imagenet_smoke_wnids)
    label_wnids=['n00000000', 'n00000001', 'n00000002', 'n00000003'],
    pipeline=[
        dict(type='mmpretrain.LoadImageFromFile'),
        dict(type='mmpretrain.CenterCrop', crop_size=64),
        dict(type='mmpretrain.PackInputs',
             meta_keys=('sample_idx', 'img_path', 'ori_shape', 'img_shape', 'corruption', 'severity')),
    ])
