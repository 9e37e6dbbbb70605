# Runtime shared by mimbench pre-training recipes (hooks, logging, environment): OpenMMLab defaults.
custom_imports = dict(imports=['mimbench'], allow_failed_imports=False)
default_scope = 'mmpretrain'

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'))
# method, backbone, epochs and recipe variant written into every checkpoint as plain data
# (mimbench/checkpoints/provenance.py), so evaluation never runs the config text stored beside them
custom_hooks = [dict(type='mimbench.PretrainProvenanceHook')]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))   # mimbench.runner switches to gloo where there is no CUDA

log_processor = dict(window_size=10)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, diff_rank_seed=True)
