# CiM-REVDet ViT-S/16 end-to-end fine-tuning on ImageNet-1K (cim.txt Table 1: 81.6): as the RESPIX ViT-S
# recipe with peak lr 4e-3 (Table 10 "3e-3 or 4e-3 for ViT-S/16"; REVDet takes the higher one, as for ViT-B).
_base_ = './finetune_vit-small-p16_cim-respix_8xb128-200e_in1k.py'
optim_wrapper = dict(optimizer=dict(lr=4e-3))                    # cim.txt Table 10 ("3e-3 or 4e-3")
mimbench = dict(method='cim-revdet')
