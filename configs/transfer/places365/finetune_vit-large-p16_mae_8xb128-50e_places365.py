# MAE ViT-L/16 end-to-end fine-tuning on Places365 (mae.txt Table 6: 59.4) with MAE's recipe for iNaturalist
# and Places (mae.txt A.5 -> Table 9): its values and their sources are in
# configs/_base_/recipes/mae-a5_vit-large-p16.py.
_base_ = ['../../_base_/recipes/mae-a5_vit-large-p16.py', '../../_base_/datasets/places365.py']
model = dict(head=dict(num_classes=_base_.num_classes))
mimbench = dict(task='places365')
