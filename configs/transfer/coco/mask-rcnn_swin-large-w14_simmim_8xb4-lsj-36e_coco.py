# SimMIM Swin-L -> Mask R-CNN + FPN on COCO (simmim.txt C.1, Table 12: 53.8 AP^box): the Swin-B recipe (36
# epochs, AdamW lr 6e-5, wd 0.05, batch 32, LSJ 1024 px [0.1, 2.0]) with "the window size ... for Swin-L ...
# 14" (simmim.txt C.1). Not printed, as for Swin-B: layer decay 0.9 (C.1's ADE20K/iNat value), drop path 0.3.
_base_ = './mask-rcnn_swin-base-w7_simmim_8xb4-lsj-36e_coco.py'
model = dict(
    backbone=dict(arch='large', window_size=14),                 # simmim.txt C.1 (Swin-L window 14)
    neck=dict(in_channels=[192, 384, 768, 1536]))                # Swin-L widths (simmim.txt Table 8: C=192)
mimbench = dict(backbone='swin-l')
