# MixMIM-B -> UperNet on ADE20K (mixmim.txt Sec. 8 "Finetuning on ADE20K", Table 4: 50.3 mIoU). mixmim.txt
# Sec. 8: "We finetune for 16K iterations with a batch size of 16 ... decay ratio to 0.85/0.9 for MixMIM-B/-L.
# We adopt others settings from BEiT": BEiT's default ADE20K lr is 7e-4 (cim.txt Sec. 3.3: "For BEiT we use
# the default setting (lr 7e-4 with a decay rate of 0.65)"), wd 0.05, 1500 warm-up iterations and poly decay
# (BEiT's segmentation code); drop path not printed (Table 12's B value). Window size changed "as mentioned
# above" (mixmim.txt Sec. 3): 16x16, and 32x32 (global at 512 input) in the 6th, 12th and 18th stage-3 blocks.
_base_ = [
    '../../_base_/models/upernet_vit.py',
    '../../_base_/datasets/ade20k_512.py',
    '../../_base_/schedules/upernet_adamw_160k.py',
]
model = dict(
    backbone=dict(
        _delete_=True, type='mimbench.MixMIMMultiScale', arch='base', img_size=512,
        window_size=[16, 16, 16, 16],                        # mixmim.txt Sec. 3, 8
        drop_path_rate=0.1,                                  # not printed for ADE20K: Table 12's B value
        block_windows={'2.5': 32, '2.11': 32, '2.17': 32},     # mixmim.txt Sec. 3
        init_cfg=dict(type='mimbench.Pretrained', checkpoint=None)),
    decode_head=dict(in_channels=[128, 256, 512, 1024], channels=512),
    auxiliary_head=dict(in_channels=512))
train_dataloader = dict(batch_size=2)        # x 8 GPUs = 16: mixmim.txt Sec. 8
optim_wrapper = dict(
    optimizer=dict(lr=7e-4, weight_decay=0.05),                    # BEiT's default (cim.txt Sec. 3.3)
    paramwise_cfg=dict(layer_decay_rate=0.85, rule='mixmim'))      # mixmim.txt Sec. 8 (B)
train_cfg = dict(max_iters=16000, val_interval=2000)               # mixmim.txt Sec. 8
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=16000),
]
default_hooks = dict(checkpoint=dict(interval=2000))
mimbench = dict(task='ade20k', method='mixmim', backbone='mixmim-b', scale='full', recipe='mixmim.txt Sec. 8')
