# MAE ViT-H/14 end-to-end fine-tuning on iNaturalist 2019 (mae.txt Table 6: 85.7) with MAE's recipe for
# iNaturalist and Places (mae.txt A.5 -> Table 9): its values and their sources are in
# configs/_base_/recipes/mae-a5_vit-huge-p14.py.
_base_ = ['../../_base_/recipes/mae-a5_vit-huge-p14.py', '../../_base_/datasets/inat2019.py']
model = dict(head=dict(num_classes=_base_.num_classes))
mimbench = dict(task='inat2019')
