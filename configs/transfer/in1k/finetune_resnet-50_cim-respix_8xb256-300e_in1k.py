# CiM-RESPIX ResNet-50 fine-tuning on ImageNet-1K for 300 epochs (cim.txt Table 2: 79.9): the same recipe as
# REVDet's (cim.txt Table 11, 300-epoch column; Table 11 does not depend on the objective).
_base_ = './finetune_resnet-50_cim-revdet_8xb256-300e_in1k.py'
mimbench = dict(method='cim-respix')
