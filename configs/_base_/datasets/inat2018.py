# iNaturalist 2018 fine-tuning data (mimbench.INaturalist, official train2018.json/val2018.json):
# mae.txt Table 6 (recipe Table 9, A.5), mixmim.txt Table 5 (recipe Table 12, Sec. 8), simmim.txt C.1
# (RandAug, Mixup, Cutmix, label smoothing, random erasing). 8,142 categories, 437,513 / 24,426 images
# (simmim.txt C.1).
# Real data root: --cfg-options train_dataloader.dataset.data_root=DIR val_dataloader.dataset.data_root=DIR
#   test_dataloader.dataset.data_root=DIR   (check it: `mimbench data check --task inat2018 --root DIR`)
# Recipe (augmentations, mixup/cutmix, batch size, evaluator): ./shared/classification_finetune.py
_base_ = './shared/classification_finetune.py'

data_root = 'data/inat2018'
num_classes = 8142
data_preprocessor = dict(num_classes=num_classes)

train_dataloader = dict(
    dataset=dict(type='mimbench.INaturalist', data_root=data_root, year=2018, split='train',
                 pipeline=_base_.train_pipeline))
val_dataloader = dict(
    dataset=dict(type='mimbench.INaturalist', data_root=data_root, year=2018, split='val',
                 pipeline=_base_.test_pipeline))
test_dataloader = val_dataloader
