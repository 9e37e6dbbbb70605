# SimMIM ViT-B/16 fine-tuning with the paper's text (simmim.txt Sec. 4.2 -> Sec. 4.1.1): 10 warm-up epochs;
# else as the release recipe finetune_vit-base-p16_simmim_8xb256-100e_in1k.py (the default, 20 warm-up
# epochs).
_base_ = './finetune_vit-base-p16_simmim_8xb256-100e_in1k.py'
warmup_epochs = 10                                                 # simmim.txt Sec. 4.1.1 via Sec. 4.2
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6 / 5e-3, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-6, by_epoch=True, begin=warmup_epochs, end=100,
         convert_to_iter_based=True),
]
mimbench = dict(recipe='simmim.txt Sec. 4.2')
