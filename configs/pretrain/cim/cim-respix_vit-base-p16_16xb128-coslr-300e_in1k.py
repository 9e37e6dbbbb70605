# CiM-RESPIX with a vanilla ViT-B/16 enhancer on ImageNet-1K, 300 epochs: the paper's main ViT recipe
# (cim.txt Sec. 2, Appendix A.1 Table 9; Table 1: 83.3 top-1 after 100-epoch fine-tuning). Total batch 2048
# = 16 GPUs x 128 (cim.txt Table 9). The DALL-E dVAE files are the user's to bring
# (github.com/openai/DALL-E): put them at data/dall_e/ or pass --cfg-options
# model.tokenizer.encoder_path=... model.tokenizer.decoder_path=... Other variants of this folder inherit
# this file and change only what the paper changes.
_base_ = [
    '../../_base_/pretrain/default_runtime.py',
    '../../_base_/pretrain/imagenet_pretrain.py',
    '../../_base_/pretrain/adamw_coslr.py',
]

img_size = 224                               # cim.txt Table 9 "Pre-training Resolution 224"
patch_size = 16                              # cim.txt Table 9 "Patch Size 16"

# "RandomResizedCrop Only" (cim.txt Table 9) / "only uses cropping and flipping" (cim.txt Sec. 3.1): crop +
# horizontal flip, no colour jitter. Crop scale (0.08, 1) and bicubic as the BEiT code base CiM was built on
# (cim.txt Table 9 caption); the paper gives no range.
train_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.RandomResizedCrop', scale=img_size, crop_ratio_range=(0.08, 1.0), backend='pillow',
         interpolation='bicubic'),
    dict(type='mmpretrain.RandomFlip', prob=0.5),
    dict(type='mmpretrain.PackInputs'),
]
train_dataloader = dict(batch_size=128, dataset=dict(pipeline=train_pipeline))   # x 16 GPUs = 2048 (Table 9)

model = dict(
    type='mimbench.CiM',
    data_preprocessor={{_base_.data_preprocessor}},
    objective='respix',                      # cim.txt Sec. 2.2 RESPIX
    enhancer_loss_weight=10.0,               # cim.txt Table 9 "10 for RESPIX"
    num_masked=(100, 120),                   # cim.txt Table 9 "100 to 120, Random Masking" (of 196; Table 4)
    masking='random',                        # cim.txt Table 4 (ablation: 'blockwise')
    sampling='softmax',                      # cim.txt Table 7 (ablations: 'argmax', 'uniform' diverged)
    target_norm='sliding',                   # cim.txt Table 6 (ablations: 'patch' as MAE, 'none')
    num_shared_layers=2,                     # cim.txt Table 5: patch embedding + first 2 layers shared (83.3)
    temperature=1.0,                         # cim.txt Sec. 2.1 "softmax with a temperature of 1"
    window_size=8,                           # cim.txt Sec. 2.2 "local 8x8 sized window"
    patch_size=patch_size,
    # Enhancer: vanilla ViT-B/16, 1-D absolute position embedding, no LayerScale / dropout / stochastic depth
    # (cim.txt Table 9, footnote 5).
    backbone=dict(
        type='mmpretrain.VisionTransformer',
        arch='base',                         # ViT-B: 768-d, 12 layers, 12 heads
        img_size=img_size,
        patch_size=patch_size,
        drop_rate=0.0,                       # cim.txt Table 9 "Dropout x"
        drop_path_rate=0.0,                  # cim.txt Table 9 "Stochastic Depth x"
        out_type='featmap',                  # patch tokens [N, 768, 14, 14] for the linear head
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=0.02, bias=0.0),    # BEiT code base init
                  dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)]),
    # Frozen DALL-E dVAE, "following BEiT" (cim.txt Sec. 2.1, 2.3).
    tokenizer=dict(type='mimbench.DALLETokenizer', encoder_path='data/dall_e/encoder.pkl',
                   decoder_path='data/dall_e/decoder.pkl'),
    # Small BEiT: 4 layers (cim.txt Table 5 best with sharing), width "same to the enhancer (ViT)" (Table 9).
    generator=dict(type='mimbench.CiMGenerator', embed_dims=768, num_layers=4, num_heads=12,
                   feedforward_channels=3072, img_size=img_size, patch_size=patch_size),
    head=dict(type='mimbench.CiMPixelHead', in_channels=768, stride=patch_size))   # "a simple linear layer", Sec. 2.2

base_lr = 1.5e-3                             # cim.txt Table 9 "Peak Learning Rate 1.5e-3" (at batch 2048)
batch_size = 2048                            # cim.txt Table 9
max_epochs = 300                             # cim.txt Table 9 "Pre-training Epochs 300"
warmup_epochs = 10                           # cim.txt Table 9 "Warmup Epochs 10"
optim_wrapper = dict(
    type='OptimWrapper',                     # cim.txt Table 9 caption: mixed precision -> AmpOptimWrapper on GPUs
    optimizer=dict(type='AdamW', lr=base_lr, betas=(0.9, 0.98),   # cim.txt Table 9 (beta1, beta2) = (0.9, 0.98)
                   weight_decay=0.05,        # cim.txt Table 9
                   fused=True),              # not a recipe value: one pass per tensor (benchmarks/README.md)
    clip_grad=dict(max_norm=3.0))            # cim.txt Table 9 "Gradient Clipping 3.0"
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=0.0, by_epoch=True,
         begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),   # cim.txt Table 9 "Cosine Decay"
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
# which recipe of configs/recipes.csv this is (checked by tests/test_recipes.py)
mimbench = dict(recipe='cim.txt Table 9', method='cim-respix', backbone='vit-b')
# The paper states the peak lr at batch 2048 without a scaling rule; `--auto-scale-lr` scales it linearly.
auto_scale_lr = dict(base_batch_size=batch_size, enable=False)
