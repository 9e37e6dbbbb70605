# SimMIM Swin-L fine-tuning with the paper's text (simmim.txt Sec. 4.3): layer decay 0.75, and the ablation's
# drop path 0.1 and 10 warm-up epochs (Sec. 4.1.1); the default is the release recipe
# finetune_swin-large_simmim_8xb256-100e_in1k.py (decay 0.7, drop path 0.2, 20 warm-up epochs).
_base_ = './finetune_swin-large_simmim_8xb256-100e_in1k.py'
model = dict(backbone=dict(drop_path_rate=0.1))                    # simmim.txt Sec. 4.1.1 via Sec. 4.3
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.75))    # simmim.txt Sec. 4.3 (Swin-L)
warmup_epochs = 10                                                 # simmim.txt Sec. 4.1.1 via Sec. 4.3
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6 / 5e-3, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-6, by_epoch=True, begin=warmup_epochs, end=100,
         convert_to_iter_based=True),
]
mimbench = dict(recipe='simmim.txt Sec. 4.3')
