# MixMIM-B pre-training on ImageNet-1K, the paper's default recipe (mixmim.txt Sec. 3, Sec. 8 Table 11).
# Total batch 1024 = 8 GPUs x 128 (mixmim.txt Sec. 8). Launch:
#   mimbench train configs/pretrain/mixmim/mixmim_mixmim-base_8xb128-coslr-600e_in1k.py --launcher pytorch
# Self-contained on purpose (one level of inheritance left for -large/-huge and the smoke variants).
custom_imports = dict(imports=['mimbench'], allow_failed_imports=False)
default_scope = 'mmpretrain'

img_size = 224                # mixmim.txt Sec. 3 "input size of 224x224"
data_root = 'data/imagenet/'
train_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    # "augmentation RandomResizedCrop" (mixmim.txt Table 11); scale range and flip from MAE, whose other
    # hyper-parameters MixMIM follows (mixmim.txt Sec. 3; mae.txt Table 8: RandomResizedCrop + flip).
    dict(type='mmpretrain.RandomResizedCrop', scale=img_size, crop_ratio_range=(0.2, 1.0),
         backend='pillow', interpolation='bicubic'),
    dict(type='mmpretrain.RandomFlip', prob=0.5),
    dict(type='mmpretrain.PackInputs'),
]
train_dataloader = dict(
    batch_size=128,           # x 8 GPUs = 1024, mixmim.txt Sec. 8 "batch size of 1024"
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='mmpretrain.ImageNet', data_root=data_root, split='train', pipeline=train_pipeline))

model = dict(
    type='mimbench.MixMIM',
    data_preprocessor=dict(type='mmpretrain.SelfSupDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], to_rgb=True),
    backbone=dict(
        type='mimbench.MixMIMPretrainEncoder',
        arch='base',                      # C=(128,256,512,1024) H=(4,8,16,32) B=(2,2,18,2), mixmim.txt Sec. 2.2
        img_size=img_size,
        patch_size=4,                     # Swin-style 4x4 patch embedding, mixmim.txt Sec. 2.2
        window_size=[14, 14, 14, 7],      # mixmim.txt Sec. 2.2 / Sec. 3 (stages 3-4 global at 224 px)
        drop_path_rate=0.0,               # no stochastic depth in pre-training (official code)
        mask_ratio=0.5,                   # mixmim.txt Sec. 2.2 "masking ratio of 0.5"
        shared_mask=False,                # paper: a random mask per mixed image; True = official code
        masked_attention=True),           # mixmim.txt Sec. 2.3 "We use the second approach by default"
    neck=dict(
        type='mmpretrain.MixMIMPretrainDecoder',
        num_patches=(img_size // 32) ** 2,  # one token per 32x32 cell (mixmim.txt Sec. 2.2, Sec. 3)
        encoder_stride=32,
        embed_dim=1024,                   # stage-4 width of MixMIM-B; linear 1024 -> 512 (mixmim.txt Sec. 2.2)
        decoder_embed_dim=512,            # mixmim.txt Sec. 2.2 "embedding dimension of 512"
        decoder_depth=8,                  # mixmim.txt Sec. 2.2 "8 Transformer blocks"
        decoder_num_heads=16),            # MAE decoder (mae.txt App. A.1), as the official code
    head=dict(
        type='mimbench.MixMIMDualReconstructionHead',
        patch_size=32,                    # masking patch size 32x32, mixmim.txt Sec. 2.2
        norm_pix=True,                    # "normalized pixels [19]", mixmim.txt Sec. 4.1
        dual=True))                       # Eq. 2, mixmim.txt Sec. 2.2 (Table 7)

batch_size = 1024                         # mixmim.txt Sec. 8
base_lr = 1.5e-4                          # mixmim.txt Table 11
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW',                                  # mixmim.txt Table 11
        lr=base_lr * batch_size / 256,                 # linear rule lr = base_lr x batch / 256, mixmim.txt Sec. 8
        betas=(0.9, 0.95),                             # mixmim.txt Table 11
        weight_decay=0.05),                            # mixmim.txt Table 11
    # no weight decay on norms, biases and the (MAE) mask token, as MAE (mae.txt App. A.1 via mixmim.txt Sec. 3)
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0,
                       custom_keys={'mask_token': dict(decay_mult=0.0)}))

max_epochs = 600                          # mixmim.txt Sec. 3 "By default, we pretrain for 600 epochs"
warmup_epochs = 40                        # mixmim.txt Table 11
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=0.0, by_epoch=True,
         begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),  # cosine decay, mixmim.txt Table 11
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
# The lr above is for a total batch of 1024; `--auto-scale-lr` rescales it linearly (mixmim.txt Sec. 8).
auto_scale_lr = dict(base_batch_size=batch_size, enable=False)

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'))
env_cfg = dict(cudnn_benchmark=False, mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
               dist_cfg=dict(backend='nccl'))
log_processor = dict(window_size=10)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, diff_rank_seed=True)
