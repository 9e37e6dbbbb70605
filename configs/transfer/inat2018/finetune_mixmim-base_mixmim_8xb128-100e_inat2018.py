# MixMIM-B end-to-end fine-tuning on iNaturalist 2018 (mixmim.txt Table 5: 77.5) with MixMIM's recipe for
# iNaturalist and Places (mixmim.txt Sec. 8 -> Table 12): its values and their sources are in
# configs/_base_/recipes/mixmim-sec8_mixmim-base.py.
# Run: mim train mmpretrain configs/transfer/inat2018/<this file> --launcher pytorch --gpus 8 \
#        --cfg-options model.backbone.init_cfg.checkpoint=PATH
_base_ = ['../../_base_/recipes/mixmim-sec8_mixmim-base.py', '../../_base_/datasets/inat2018.py']
model = dict(head=dict(num_classes=_base_.num_classes))
mimbench = dict(task='inat2018')
