# Runtime shared by every transfer schedule (configs/_base_/schedules/): hooks, environment, logging, seed.
# Epoch-based defaults; the iteration-based schedules (ADE20K) override the logger, checkpoint and log processor.
# mimbench.ResultRecordHook writes the run's result record after its last evaluation (mimbench/results.py).
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'))
custom_hooks = [dict(type='mimbench.ResultRecordHook')]
env_cfg = dict(cudnn_benchmark=False, mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
               dist_cfg=dict(backend='nccl'))
log_processor = dict(type='LogProcessor', window_size=10, by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
