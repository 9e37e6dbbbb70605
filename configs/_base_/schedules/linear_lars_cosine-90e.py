# Linear probing schedule and runtime (mmpretrain): mae.txt Table 10 -- LARS, base lr 0.1 (x batch / 256 = 6.4
# at batch 16384), weight decay 0, momentum 0.9, cosine decay, 10 warmup epochs, 90 epochs. No layer decay;
# the encoder is frozen by the task config (backbone.frozen_stages) and only the BN(affine=False) + linear
# head train. mimbench.LARS is the update of MAE's release (util/lars.py): no weight decay and no trust ratio
# on 1-D tensors (the head's bias), the lr applied to the momentum buffer; mmpretrain's LARS differs in both.
_base_ = '../default_runtime.py'
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=90, val_interval=1)   # mae.txt Table 10
val_cfg = dict()
test_cfg = dict()

optim_wrapper = dict(
    type='AmpOptimWrapper', dtype='bfloat16',
    optimizer=dict(type='mimbench.LARS', lr=0.1 * 16384 / 256,   # mae.txt Table 10: base 0.1 x batch / 256
                   momentum=0.9, weight_decay=0.0))              # mae.txt Table 10
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=10, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0.0, by_epoch=True, begin=10, end=90,   # release --min_lr 0
         convert_to_iter_based=True),
]
auto_scale_lr = dict(enable=False, base_batch_size=16384)
