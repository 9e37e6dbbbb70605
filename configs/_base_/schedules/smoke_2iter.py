# Smoke schedule and runtime for every task (CPU tests, the demo): 2 training iterations, one evaluation with the
# task's real metric at the end, fp32 OptimWrapper (AmpOptimWrapper needs a GPU), no checkpoint files. The task's
# smoke config keeps its recipe's optimizer type and layer-decay constructor (set there), so they are exercised.
train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=2)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    constructor='mimbench.LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(layer_decay_rate=0.75))   # rule: the family's default (mimbench.transfer.layer_decay)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False, begin=0, end=2)]

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=1, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=-1, save_last=False),
    sampler_seed=dict(type='DistSamplerSeedHook'))
custom_hooks = [dict(type='mimbench.ResultRecordHook')]
env_cfg = dict(cudnn_benchmark=False, mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
               dist_cfg=dict(backend='gloo'))
log_processor = dict(type='LogProcessor', window_size=1, by_epoch=False)
log_level = 'WARNING'
load_from = None
resume = False
randomness = dict(seed=0)
