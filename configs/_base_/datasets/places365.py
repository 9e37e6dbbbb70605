# Places365-Standard fine-tuning data (mimbench.Places365: places365_train_standard.txt, places365_val.txt,
# data_256, val_256): mae.txt Table 6 (recipe Table 9, A.5), mixmim.txt Table 5 (recipe Table 12, Sec. 8).
# 365 scene categories.
# Real data root: --cfg-options train_dataloader.dataset.data_root=DIR val_dataloader.dataset.data_root=DIR
#   test_dataloader.dataset.data_root=DIR   (check it: `mimbench data check --task places365 --root DIR`)
# Recipe (augmentations, mixup/cutmix, batch size, evaluator): ./shared/classification_finetune.py
_base_ = './shared/classification_finetune.py'

data_root = 'data/places365'
num_classes = 365
data_preprocessor = dict(num_classes=num_classes)

train_dataloader = dict(
    dataset=dict(type='mimbench.Places365', data_root=data_root, split='train',
                 pipeline=_base_.train_pipeline))
val_dataloader = dict(
    dataset=dict(type='mimbench.Places365', data_root=data_root, split='val',
                 pipeline=_base_.test_pipeline))
test_dataloader = val_dataloader
