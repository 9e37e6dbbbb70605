# A small VQ-VAE image tokenizer (8x8 pixels per token, 1024 codes) trained by mimbench on ImageNet-1K or any
# image folder, for CiM runs without the DALL-E files (cim.txt Sec. 2.1 uses DALL-E; Sec. 3.4 invites other
# tokenizers). Not a paper recipe: plain VQ-VAE choices (van den Oord et al. 2017, cited by cim.txt Sec.
# 2.1), documented in mimbench/models/tokenizers/vq.py. CiM uses the result through
# cim-respix_vit-base-p16-vqtok_16xb128-coslr-300e_in1k.py (a config whose model.tokenizer is a
# mimbench.VQTokenizer with the same sizes and `checkpoint=` this run's last checkpoint).
# Another image folder (every image under DIR/train, recursively): --cfg-options
#   train_dataloader.dataset.type=mmpretrain.CustomDataset train_dataloader.dataset.data_root=DIR
#   train_dataloader.dataset.ann_file='' train_dataloader.dataset.with_label=False
_base_ = [
    '../../_base_/pretrain/default_runtime.py',
    '../../_base_/pretrain/imagenet_pretrain.py',
]

img_size = 112                               # the tokenizer view of CiM at 224 px (14 x 14 tokens of 8 px)
train_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.RandomResizedCrop', scale=img_size, crop_ratio_range=(0.08, 1.0), backend='pillow',
         interpolation='bicubic'),
    dict(type='mmpretrain.RandomFlip', prob=0.5),
    dict(type='mmpretrain.PackInputs'),
]
train_dataloader = dict(batch_size=64, dataset=dict(pipeline=train_pipeline))

model = dict(
    type='mimbench.VQTokenizerPretrainer',
    data_preprocessor=dict(type='mmpretrain.SelfSupDataPreprocessor', mean=[0, 0, 0], std=[255, 255, 255],
                           to_rgb=True),     # RGB in [0, 1]
    tokenizer=dict(type='mimbench.VQTokenizer', vocab_size=1024, code_dims=64, channels=128, num_res_blocks=2,
                   downsample_steps=3, ema_decay=0.99))

max_epochs = 100
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='AdamW', lr=3e-4, betas=(0.9, 0.99), weight_decay=0.0,
                                    fused=True))   # one pass per tensor (benchmarks/)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=1, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min=0.0, by_epoch=True, begin=1, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=512, enable=False)
mimbench = dict(recipe=None, note='not a paper recipe: a tokenizer for CiM runs without the DALL-E files')
