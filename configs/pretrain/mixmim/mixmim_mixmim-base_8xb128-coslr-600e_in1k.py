# MixMIM-B pre-training on ImageNet-1K, the paper's default recipe (mixmim.txt Sec. 3, Sec. 8 Table 11).
# Total batch 1024 = 8 GPUs x 128 (mixmim.txt Sec. 8). Launch:
#   mimbench train configs/pretrain/mixmim/mixmim_mixmim-base_8xb128-coslr-600e_in1k.py --launcher pytorch
# Data: MAE's pipeline from the shared base, RandomResizedCrop(0.2-1) + flip at 224 px ("augmentation
# RandomResizedCrop", mixmim.txt Table 11; "We follow all other pretraining hyperparameters of those in MAE",
# mixmim.txt Sec. 3).
_base_ = [
    '../../_base_/pretrain/default_runtime.py',
    '../../_base_/pretrain/imagenet_pretrain.py',   # img_size 224, mixmim.txt Sec. 3 "input size of 224x224"
    '../../_base_/pretrain/adamw_coslr.py',
]

train_dataloader = dict(batch_size=128)   # x 8 GPUs = 1024, mixmim.txt Sec. 8 "batch size of 1024"

model = dict(
    type='mimbench.MixMIM',
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=dict(
        type='mimbench.MixMIMPretrainEncoder',
        arch='base',                      # C=(128..1024) H=(4..32) B=(2,2,18,2), mixmim.txt Sec. 2.2
        img_size=224,                     # mixmim.txt Sec. 3
        patch_size=4,                     # Swin-style 4x4 patch embedding (encoder "based on Swin", Sec. 2.2)
        window_size=[14, 14, 14, 7],      # mixmim.txt Sec. 2.2 / Sec. 3 (stages 3-4 global at 224 px)
        drop_path_rate=0.0,               # no stochastic depth in pre-training (official code)
        mask_ratio=0.5,                   # mixmim.txt Sec. 2.2 "masking ratio of 0.5"
        shared_mask=False,                # paper: a random mask per mixed image; True = official code
        masked_attention=True),           # mixmim.txt Sec. 2.3 "We use the second approach by default"
    neck=dict(
        type='mmpretrain.MixMIMPretrainDecoder',
        num_patches=(224 // 32) ** 2,     # one token per 32x32 cell (mixmim.txt Sec. 2.2, Sec. 3)
        encoder_stride=32,
        embed_dim=1024,                   # MixMIM-B stage-4 width; linear 1024 -> 512, mixmim.txt Sec. 2.2
        decoder_embed_dim=512,            # mixmim.txt Sec. 2.2 "embedding dimension of 512"
        decoder_depth=8,                  # mixmim.txt Sec. 2.2 "8 Transformer blocks"
        decoder_num_heads=16),            # MAE's decoder heads (mae.txt App. A.1), as the official code
    head=dict(
        type='mimbench.MixMIMDualReconstructionHead',
        patch_size=32,                    # masking patch size 32x32, mixmim.txt Sec. 2.2
        norm_pix=True,                    # "normalized pixels [19]", mixmim.txt Sec. 4.1
        dual=True))                       # Eq. 2, mixmim.txt Sec. 2.2 (Table 7)

base_lr = 1.5e-4                          # mixmim.txt Table 11
batch_size = 1024                         # mixmim.txt Sec. 8
lr_scale_batch = 256                      # mixmim.txt Sec. 8 "lr = base_lr x batch_size / 256"
max_epochs = 600                          # mixmim.txt Sec. 3 "By default, we pretrain for 600 epochs"
warmup_epochs = 40                        # mixmim.txt Table 11
optim_wrapper = dict(
    optimizer=dict(
        type='AdamW',                                  # mixmim.txt Table 11
        lr=base_lr * batch_size / lr_scale_batch,      # 6e-4, linear rule of mixmim.txt Sec. 8
        betas=(0.9, 0.95),                             # mixmim.txt Table 11
        weight_decay=0.05,                             # mixmim.txt Table 11
        fused=True))     # not a recipe value: same update, one pass per tensor (benchmarks/)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=0.0, by_epoch=True,
         begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),  # cosine, mixmim.txt Table 11
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
# which recipe of configs/recipes.csv this is (checked by tests/test_recipes.py)
mimbench = dict(recipe='mixmim.txt Table 11', method='mixmim', backbone='mixmim-b')
auto_scale_lr = dict(base_batch_size=batch_size, enable=False)   # `--auto-scale-lr`: same linear rule
