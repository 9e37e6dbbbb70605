# Places205 fine-tuning data (mimbench.Places205: official trainvalsplit_places205 lists, images256):
# mae.txt Table 6 (recipe Table 9, A.5), mixmim.txt Table 5 (recipe Table 12, Sec. 8). 205 categories.
# Real data root: --cfg-options train_dataloader.dataset.data_root=DIR val_dataloader.dataset.data_root=DIR
#   test_dataloader.dataset.data_root=DIR   (check it: `mimbench data check --task places205 --root DIR`)
# Recipe (augmentations, mixup/cutmix, batch size, evaluator): ./shared/classification_finetune.py
_base_ = './shared/classification_finetune.py'

data_root = 'data/places205'
num_classes = 205
data_preprocessor = dict(num_classes=num_classes)

train_dataloader = dict(
    dataset=dict(type='mimbench.Places205', data_root=data_root, split='train',
                 pipeline=_base_.train_pipeline))
val_dataloader = dict(
    dataset=dict(type='mimbench.Places205', data_root=data_root, split='val',
                 pipeline=_base_.test_pipeline))
test_dataloader = val_dataloader
