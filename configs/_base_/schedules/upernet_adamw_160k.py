# UperNet / light-head fine-tuning schedule and runtime (mmseg): AdamW with layer-wise lr decay, iteration-based,
# linear warmup then poly decay (BEiT's segmentation recipe, which mae.txt A.4, mixmim.txt Sec. 8 and cim.txt
# Sec. 3.3 follow). 160k iterations x batch 16 (BEiT / CiM ViT); task configs set the papers' lengths:
#   MAE: 100 epochs at batch 16 (mae.txt A.4) = 126,313 iterations on ADE20K's 20,210 training images.
#   SimMIM: 80k iterations, batch 32, wd 0.05, layer decay 0.9, lr from {1e-4, 3e-4} (simmim.txt C.1).
#   MixMIM: 16k iterations, batch 16, layer decay 0.85/0.9 (B/L) (mixmim.txt Sec. 8).
#   CiM ViT: lr 3e-4, layer decay 0.8, BEiT's other settings (cim.txt Sec. 3.3).
# Mixed precision via AmpOptimWrapper (bf16; set optim_wrapper.dtype='float16' on V100s).
_base_ = '../default_runtime.py'
train_cfg = dict(type='IterBasedTrainLoop', max_iters=160000, val_interval=16000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='AmpOptimWrapper', dtype='bfloat16',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),   # simmim.txt C.1 (wd 0.05)
    constructor='mimbench.LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(layer_decay_rate=0.65, rule='mae'))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),   # BEiT's 1500-iteration warmup
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=160000),
]
auto_scale_lr = dict(enable=False, base_batch_size=16)

default_hooks = dict(
    logger=dict(interval=50, log_metric_by_epoch=False),
    checkpoint=dict(by_epoch=False, interval=16000))
env_cfg = dict(cudnn_benchmark=True)
log_processor = dict(window_size=50, by_epoch=False)
