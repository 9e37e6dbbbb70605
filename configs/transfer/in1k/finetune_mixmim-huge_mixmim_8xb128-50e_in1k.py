# MixMIM-H end-to-end fine-tuning on ImageNet-1K (mixmim.txt Sec. 4.1: 86.8), mixmim.txt Table 12 with the
# huge model's values: 50 epochs (L/H), drop path 0.3 (H); else as MixMIM-B.
_base_ = './finetune_mixmim-base_mixmim_8xb128-100e_in1k.py'
model = dict(backbone=dict(arch='huge', drop_path_rate=0.3),   # mixmim.txt Sec. 2.2; Table 12 drop path (H)
             head=dict(in_channels=2816))                       # MixMIM-H stage-4 width (Sec. 2.2)
train_cfg = dict(max_epochs=50)                                 # mixmim.txt Table 12 (L/H)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-6, by_epoch=True, begin=5, end=50, convert_to_iter_based=True),
]
mimbench = dict(backbone='mixmim-h')
