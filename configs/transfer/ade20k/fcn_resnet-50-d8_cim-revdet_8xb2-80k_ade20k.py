# CiM-REVDet ResNet-50 -> FCN on ADE20K (cim.txt Sec. 3.3, Table 3b: 36.2 mIoU at 80k iterations). cim.txt
# Sec. 3.3: "for ResNet-50 we choose the commonly used FCN as the decoder ... the classic configuration for
# all methods, i.e., the optimizer is SGD with momentum 0.9, the peak learning rate is 0.01 with a poly decay
# schedule, and the batch size is 16. The training crop size is set to 512 ... single-scale inference"; 80k
# (this file) and 160k iterations (fcn_resnet-50-d8_cim-revdet_8xb2-160k_ade20k.py) in Table 3b. The same
# recipe serves CiM-RESPIX ResNet-50 ("for all methods"). Encoder: the vanilla ResNet-50 CiM pre-trains
# (mmpretrain.ResNet), dilated to output stride 8 as mmseg's FCN-D8; the FCN head reads stage 4, the auxiliary
# head stage 3.
_base_ = [
    '../../_base_/models/upernet_vit.py',
    '../../_base_/datasets/ade20k_512.py',
    '../../_base_/schedules/fcn_sgd_poly-80k.py',
]
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    backbone=dict(
        _delete_=True, type='mmpretrain.ResNet', depth=50, out_indices=(0, 1, 2, 3), strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4), norm_cfg=norm_cfg, init_cfg=dict(type='mimbench.Pretrained', checkpoint=None)),
    decode_head=dict(
        _delete_=True, type='mmseg.FCNHead', in_channels=2048, in_index=3, channels=512, num_convs=2,
        concat_input=True, dropout_ratio=0.1, num_classes=150, norm_cfg=norm_cfg, align_corners=False,
        loss_decode=dict(type='mmseg.CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    auxiliary_head=dict(in_channels=1024, in_index=2, channels=256))
train_dataloader = dict(batch_size=2)        # x 8 GPUs = 16: cim.txt Sec. 3.3
mimbench = dict(task='ade20k', method='cim-revdet', backbone='resnet-50', scale='full',
                variant='fcn-80k', recipe='cim.txt Sec. 3.3 (FCN 80k)')   # cim.txt Table 3b setting
