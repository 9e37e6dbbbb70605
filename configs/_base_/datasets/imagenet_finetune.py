# ImageNet-1K end-to-end fine-tuning data (mmpretrain): mae.txt Table 9 (also mixmim.txt Table 12 and
# simmim.txt Sec. 4.1, which use the same augmentations).
# Layout: mmpretrain ImageNet (train/, val/, meta/{train,val}.txt).
# Real data root: --cfg-options train_dataloader.dataset.data_root=DIR val_dataloader.dataset.data_root=DIR
#   test_dataloader.dataset.data_root=DIR   (check it: `mimbench data check --task in1k --root DIR`)
# Recipe (augmentations, mixup/cutmix, batch size, evaluator): ./shared/classification_finetune.py
_base_ = './shared/classification_finetune.py'

data_root = 'data/imagenet'
num_classes = 1000
data_preprocessor = dict(num_classes=num_classes)

train_dataloader = dict(
    dataset=dict(type='mmpretrain.ImageNet', data_root=data_root, split='train',
                 pipeline=_base_.train_pipeline))
val_dataloader = dict(
    dataset=dict(type='mmpretrain.ImageNet', data_root=data_root, split='val',
                 pipeline=_base_.test_pipeline))
test_dataloader = val_dataloader
