# CiM ViT-B/16 -> linear decoder on ADE20K (cim.txt Sec. 3.3, Table 3). cim.txt Sec. 3.3: "for ViT-Base/16 we use a
# simple linear layer as the decoder ... the baseline settings as well as the fine-tuning recipes are from BEiT ...
# For CiM pre-trained ViT, we set the fine-tuning lr equal to 3e-4 with a decay rate of 0.8 ... The training crop size
# is set to 512 ... single-scale inference". 160k iterations at batch 16 (BEiT's schedule). The linear decoder is a
# 1x1 conv on the stride-16 map (mmseg FCNHead with no conv layers), upsampled to the input.
_base_ = [
    '../../_base_/models/upernet_vit.py',
    '../../_base_/datasets/ade20k_512.py',
    '../../_base_/schedules/upernet_adamw_160k.py',
]
model = dict(
    backbone=dict(vit=dict(img_size=512, drop_path_rate=0.1), rel_pos_bias=False),
    decode_head=dict(
        _delete_=True, type='mmseg.FCNHead', in_channels=768, in_index=2, channels=768, num_convs=0,
        concat_input=False, dropout_ratio=0.1, num_classes=150, norm_cfg=dict(type='SyncBN', requires_grad=True),
        align_corners=False, loss_decode=dict(type='mmseg.CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    auxiliary_head=None)
train_dataloader = dict(batch_size=2)        # x 8 GPUs = 16 (BEiT / cim.txt Sec. 3.3)
optim_wrapper = dict(
    optimizer=dict(lr=3e-4, weight_decay=0.05),                    # cim.txt Sec. 3.3 (lr 3e-4)
    paramwise_cfg=dict(layer_decay_rate=0.8, rule='beit'))         # cim.txt Sec. 3.3 (decay 0.8), BEiT's ids
mimbench = dict(task='ade20k', method='cim-respix', backbone='vit-b', scale='full',
                variant='linear-160k')   # cim.txt Table 3 setting
