# MAE ViT-B/16 end-to-end fine-tuning on Places205 (mae.txt Table 6: 63.9) with MAE's recipe for iNaturalist
# and Places (mae.txt A.5 -> Table 9): its values and their sources are in
# configs/_base_/recipes/mae-a5_vit-base-p16.py.
# Run: mim train mmpretrain configs/transfer/places205/<this file> --launcher pytorch --gpus 8 \
#        --cfg-options model.backbone.init_cfg.checkpoint=PATH
_base_ = ['../../_base_/recipes/mae-a5_vit-base-p16.py', '../../_base_/datasets/places205.py']
model = dict(head=dict(num_classes=_base_.num_classes))
mimbench = dict(task='places205')
