# CiM-REVDet ViT-B/16 end-to-end fine-tuning on ImageNet-1K (cim.txt Table 1: 83.1): cim.txt Table 10 with
# REVDet's peak lr 5e-3 ("5e-3 for ViT-B/16 REVDet"); everything else as the RESPIX recipe.
_base_ = './finetune_vit-base-p16_cim-respix_8xb128-100e_in1k.py'
optim_wrapper = dict(optimizer=dict(lr=5e-3))                    # cim.txt Table 10 (ViT-B/16 REVDet)
mimbench = dict(method='cim-revdet')
