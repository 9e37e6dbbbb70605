# iNaturalist 2017 fine-tuning data (mimbench.INaturalist, official train2017.json/val2017.json):
# mae.txt Table 6 with the Table 9 recipe (mae.txt A.5: "We follow the setting in Table 9 for iNaturalist
# and Places"). 5,089 categories.
# Real data root: --cfg-options train_dataloader.dataset.data_root=DIR val_dataloader.dataset.data_root=DIR
#   test_dataloader.dataset.data_root=DIR   (check it: `mimbench data check --task inat2017 --root DIR`)
# Recipe (augmentations, mixup/cutmix, batch size, evaluator): ./shared/classification_finetune.py
_base_ = './shared/classification_finetune.py'

data_root = 'data/inat2017'
num_classes = 5089
data_preprocessor = dict(num_classes=num_classes)

train_dataloader = dict(
    dataset=dict(type='mimbench.INaturalist', data_root=data_root, year=2017, split='train',
                 pipeline=_base_.train_pipeline))
val_dataloader = dict(
    dataset=dict(type='mimbench.INaturalist', data_root=data_root, year=2017, split='val',
                 pipeline=_base_.test_pipeline))
test_dataloader = val_dataloader
