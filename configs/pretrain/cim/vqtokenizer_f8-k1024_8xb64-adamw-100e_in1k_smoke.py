# Smoke variant of vqtokenizer_f8-k1024_8xb64-adamw-100e_in1k.py: the small tokenizer of the CiM smoke configs
# (64 codes, 32 channels) on 32 px crops (the token view of 64 px images), batch 4, 2 epochs on generated
# images. Its checkpoint plugs into any CiM smoke config: --cfg-options model.tokenizer.checkpoint=PATH
_base_ = ['./vqtokenizer_f8-k1024_8xb64-adamw-100e_in1k.py', '../../_base_/pretrain/imagenet_pretrain_smoke.py']

smoke_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.RandomResizedCrop', scale=32, crop_ratio_range=(0.2, 1.0), backend='pillow',
         interpolation='bicubic'),
    dict(type='mmpretrain.RandomFlip', prob=0.5),
    dict(type='mmpretrain.PackInputs'),
]
train_dataloader = dict(_delete_=True, **_base_.smoke_train_dataloader)
train_dataloader['dataset']['pipeline'] = smoke_pipeline
model = dict(tokenizer=dict(vocab_size=64, code_dims=16, channels=32, num_res_blocks=1))
param_scheduler = _base_.smoke_param_scheduler
train_cfg = _base_.smoke_train_cfg
default_hooks = _base_.smoke_default_hooks
env_cfg = dict(dist_cfg=dict(backend='gloo'))
