# Mask R-CNN fine-tuning schedule and runtime (mmdet): AdamW with layer-wise lr decay, epoch-based, step decay.
# Recipe values that the task configs override per paper:
#   MAE (mae.txt A.3): lr / wd / drop path / epochs "searched" per entry, not printed; defaults here follow the ViT
#     detection benchmark mae.txt A.3 points to (its ref. 65): 100 epochs, AdamW lr 1e-4 (batch 64), wd 0.1,
#     layer decay 0.7, steps at epochs 88 and 96, 250-iteration warmup -- not in mae.txt itself.
#   SimMIM (simmim.txt C.1): 36 epochs (3x), lr 6e-5, wd 0.05, batch 32.
#   MixMIM (mixmim.txt Sec. 8): 55/80 epochs (B/L), step schedule, 0.25-epoch warmup, layer decay 0.85/0.9.
# Mixed precision through AmpOptimWrapper (a `fp16 = dict()` line would be silently ignored) in float16, not bf16:
# mmcv 2.1's RoIAlign CUDA kernel dispatches float/double/half only, so bf16 features would fail in the RoI heads.
_base_ = '../default_runtime.py'
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='AmpOptimWrapper', dtype='float16', loss_scale='dynamic',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.1),
    constructor='mimbench.LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(layer_decay_rate=0.7, rule='mae'))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=250),
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=100, milestones=[88, 96], gamma=0.1),
]
auto_scale_lr = dict(enable=False, base_batch_size=64)

default_hooks = dict(logger=dict(interval=50))
log_processor = dict(window_size=50)
