# CiM-RESPIX ViT-B/16 -> linear decoder on ADE20K (cim.txt Sec. 3.3, Table 3a: 43.5 mIoU). cim.txt Sec. 3.3:
# "for ViT-Base/16 we use a simple linear layer as the decoder ... the baseline settings as well as the
# fine-tuning recipes are from BEiT ... For CiM pre-trained ViT, we set the fine-tuning lr equal to 3e-4 with
# a decay rate of 0.8 ... The training crop size is set to 512 ... single-scale inference"; 160k iterations
# (Table 3a). BEiT's settings for what the paper leaves open: batch 16, wd 0.05, 1500 warm-up iterations, poly
# decay, drop path 0.1. The linear decoder is a 1x1 conv on the encoder's output -- the last block's stride-16
# map after the final norm (the plain ViT, no multi-scale adapter, so every block gets a gradient) --
# upsampled to the input.
_base_ = [
    '../../_base_/models/upernet_vit.py',
    '../../_base_/datasets/ade20k_512.py',
    '../../_base_/schedules/upernet_adamw_160k.py',
]
model = dict(
    backbone=dict(
        _delete_=True, type='mmpretrain.VisionTransformer', arch='base', img_size=512, patch_size=16,
        out_indices=[-1], out_type='featmap', final_norm=True,   # the last block (linear decoder, Sec. 3.3)
        drop_path_rate=0.1,                                      # BEiT's segmentation value
        init_cfg=dict(type='mimbench.Pretrained', checkpoint=None)),
    decode_head=dict(
        _delete_=True, type='mmseg.FCNHead', in_channels=768, in_index=0, channels=768, num_convs=0,
        concat_input=False, dropout_ratio=0.1, num_classes=150,
        norm_cfg=dict(type='SyncBN', requires_grad=True), align_corners=False,
        loss_decode=dict(type='mmseg.CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    auxiliary_head=None)
train_dataloader = dict(batch_size=2)        # x 8 GPUs = 16 (BEiT / cim.txt Sec. 3.3)
optim_wrapper = dict(
    optimizer=dict(lr=3e-4, weight_decay=0.05),                    # cim.txt Sec. 3.3 (lr 3e-4)
    paramwise_cfg=dict(layer_decay_rate=0.8, rule='beit'))         # cim.txt Sec. 3.3 (decay 0.8), BEiT's ids
mimbench = dict(task='ade20k', method='cim-respix', backbone='vit-b', scale='full',
                variant='linear-160k', recipe='cim.txt Sec. 3.3')   # cim.txt Table 3a setting
