# CiM-REVDet ResNet-50 -> FCN on ADE20K, the 160k-iteration schedule of cim.txt Table 3b (38.0 mIoU; else as
# the 80k config).
_base_ = './fcn_resnet-50-d8_cim-revdet_8xb2-80k_ade20k.py'
train_cfg = dict(max_iters=160000, val_interval=16000)   # cim.txt Table 3
param_scheduler = [dict(type='PolyLR', power=0.9, eta_min=1e-4, by_epoch=False, begin=0, end=160000)]
default_hooks = dict(checkpoint=dict(interval=16000))
mimbench = dict(variant='fcn-160k', recipe='cim.txt Sec. 3.3 (FCN 160k)')   # cim.txt Table 3b setting
