# FCN-on-ResNet-50 schedule and runtime (mmseg) for CiM's ResNet-50 ADE20K transfer (cim.txt Sec. 3.3): "the
# classic configuration for all methods, i.e., the optimizer is SGD with momentum 0.9, the peak learning rate is
# 0.01 with a poly decay schedule, and the batch size is 16"; 80k and 160k iterations (cim.txt Table 3).
# Weight decay 5e-4, poly power 0.9 and eta_min 1e-4 are mmseg's classic FCN values (not printed in cim.txt).
# No layer-wise decay (not used for ResNet in cim.txt Sec. 3.3).
_base_ = '../default_runtime.py'
train_cfg = dict(type='IterBasedTrainLoop', max_iters=80000, val_interval=8000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='AmpOptimWrapper', dtype='bfloat16',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4))   # cim.txt Sec. 3.3
param_scheduler = [dict(type='PolyLR', power=0.9, eta_min=1e-4, by_epoch=False, begin=0, end=80000)]
auto_scale_lr = dict(enable=False, base_batch_size=16)

default_hooks = dict(
    logger=dict(interval=50, log_metric_by_epoch=False),
    checkpoint=dict(by_epoch=False, interval=8000))
env_cfg = dict(cudnn_benchmark=True)
log_processor = dict(window_size=50, by_epoch=False)
