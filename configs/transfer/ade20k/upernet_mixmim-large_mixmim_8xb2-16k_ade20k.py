# MixMIM-L -> UperNet on ADE20K (mixmim.txt Sec. 8: layer decay 0.9 for L; Table 4: 53.8 mIoU).
_base_ = './upernet_mixmim-base_mixmim_8xb2-16k_ade20k.py'
model = dict(
    backbone=dict(arch='large', drop_path_rate=0.2),                # drop path: Table 12's L value
    decode_head=dict(in_channels=[192, 384, 768, 1536], channels=768),
    auxiliary_head=dict(in_channels=768))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.9))   # mixmim.txt Sec. 8 (L)
mimbench = dict(backbone='mixmim-l')
