# simmim.txt Table 1: random masking of 64-px cells at ratio 0.2; everything else as the ablation default
# (Sec. 4.1.1: random 32-px cells at 0.6). Paper: 82.6 top-1 (Swin-B, 100-epoch pre-training, 100-epoch
# fine-tuning).
_base_ = '../simmim_swin-base-w6_8xb256-coslr-100e_in1k-192px.py'

train_pipeline = _base_.train_pipeline[:-2] + [
    dict(type='mimbench.CellMaskGenerator', input_size=192, mask_patch_size=64,   # simmim.txt Table 1
         model_patch_size=4, mask_ratio=0.2, strategy='random'),
    dict(type='mmpretrain.PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
mimbench = dict(method='simmim', backbone='swin-b', variant='mask-random-p64-r0.2',
                recipe='simmim.txt Table 1')
