# MixMIM-B, 300 pre-training epochs: the ablation default (mixmim.txt Sec. 5, Tables 6-10; Table 2: 84.6).
_base_ = './mixmim_mixmim-base_8xb128-coslr-600e_in1k.py'

max_epochs = 300              # mixmim.txt Sec. 5 "we pretrain MixMIM-B for 300 epochs by default"
warmup_epochs = 40            # mixmim.txt Table 11
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=0.0, by_epoch=True,
         begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
# which recipe of configs/recipes.csv this is (checked by tests/test_recipes.py)
mimbench = dict(recipe='mixmim.txt Sec. 5', method='mixmim', backbone='mixmim-b')
