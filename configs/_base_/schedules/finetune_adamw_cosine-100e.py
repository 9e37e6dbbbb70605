# End-to-end classification fine-tuning schedule and runtime (mmpretrain): mae.txt Table 9 -- AdamW, base lr 1e-3
# (lr = base_lr x batch / 256, mae.txt A.1 -> 4e-3 at batch 1024), wd 0.05, betas (0.9, 0.999), layer-wise lr decay
# 0.75, cosine decay, 5 warmup epochs, 100 epochs (B) / 50 (L/H). Also the basis of mixmim.txt Table 12 (base lr
# 5e-4, decay 0.7), simmim.txt C.1 (iNat-2018) and the iNat/Places transfers (mae.txt A.5).
# Mixed precision via AmpOptimWrapper (bf16; set optim_wrapper.dtype='float16' on V100s).
_base_ = '../default_runtime.py'
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100, val_interval=1)   # mae.txt Table 9 (B)
val_cfg = dict()
test_cfg = dict()

optim_wrapper = dict(
    type='AmpOptimWrapper', dtype='bfloat16',
    optimizer=dict(type='AdamW', lr=1e-3 * 1024 / 256, betas=(0.9, 0.999), weight_decay=0.05),  # mae.txt Table 9
    constructor='mimbench.LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(layer_decay_rate=0.75, rule='mae'))   # mae.txt Table 9
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-6, by_epoch=True, begin=5, end=100, convert_to_iter_based=True),
]
auto_scale_lr = dict(enable=False, base_batch_size=1024)   # mae.txt Table 9 batch 1024
