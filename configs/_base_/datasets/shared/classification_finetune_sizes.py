# The fine-tuning pipelines of ./classification_finetune.py at other input sizes, named *_<size> so a recipe
# can inherit this file next to its 224-px parent and pick one:
#   train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_448))
#   val_dataloader = dict(dataset=dict(pipeline=_base_.test_pipeline_448))
# Same augmentations as at 224 px; the test resize keeps the 224/256 crop ratio, as MAE's and SimMIM's eval
# transforms compute it: int(size / 0.875).
#   448: MAE ViT-H's 448-px rows (mae.txt Table 3 "ViT-H448", Table 6); test resize 512.
#   192: SimMIM's ablation fine-tuning size (simmim.txt Sec. 4.1.1, 192 px with window 6); test resize 219.
_bgr_mean = [103.53, 116.28, 123.675]   # ImageNet mean/std (BGR), as ./classification_finetune.py
_bgr_std = [57.375, 57.12, 58.395]


def _train(size):
    return [
        dict(type='mmpretrain.LoadImageFromFile'),
        dict(type='mmpretrain.RandomResizedCrop', scale=size, backend='pillow', interpolation='bicubic'),
        dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
        dict(type='mmpretrain.RandAugment', policies='timm_increasing', num_policies=2, total_level=10,
             magnitude_level=9, magnitude_std=0.5,                                        # RandAug (9, 0.5)
             hparams=dict(pad_val=[round(x) for x in _bgr_mean], interpolation='bicubic')),
        dict(type='mmpretrain.RandomErasing', erase_prob=0.25, mode='rand', min_area_ratio=0.02,
             max_area_ratio=1 / 3, fill_color=_bgr_mean, fill_std=_bgr_std),
        dict(type='mmpretrain.PackInputs'),
    ]


def _test(size):
    return [
        dict(type='mmpretrain.LoadImageFromFile'),
        dict(type='mmpretrain.ResizeEdge', scale=int(size / 0.875), edge='short', backend='pillow',
             interpolation='bicubic'),
        dict(type='mmpretrain.CenterCrop', crop_size=size),
        dict(type='mmpretrain.PackInputs'),
    ]


train_pipeline_448, test_pipeline_448 = _train(448), _test(448)
train_pipeline_192, test_pipeline_192 = _train(192), _test(192)
