# simmim.txt Table 9 (App. B) "step", 100 epochs: the ablation default with the step learning-rate schedule.
# Paper: 82.9 top-1 (cosine: 82.8).
_base_ = '../simmim_swin-base-w6_8xb256-coslr-100e_in1k-192px.py'

max_epochs = 100
warmup_epochs = 10                                  # simmim.txt App. B "10-epoch linear warm-up"
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6 / 8e-4, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    # simmim.txt App. B: base lr 8e-4 "decayed by a factor of 10 at 90% and 95% of the total training length"
    dict(type='MultiStepLR', milestones=[max_epochs * 90 // 100, max_epochs * 95 // 100], gamma=0.1,
         by_epoch=True, begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
mimbench = dict(method='simmim', backbone='swin-b', variant='step-lr', recipe='simmim.txt Table 9')
