# SimMIM ViT-B/16 pre-training (simmim.txt Sec. 4.2): 800 epochs, cosine lr, 20-epoch warm-up, 224 px; all
# other hyper-parameters as the ablation (Sec. 4.1.1): batch 2048 = 8 x 256, AdamW lr 8e-4, wd .05.
_base_ = [
    '../../_base_/pretrain/imagenet_pretrain.py',
    '../../_base_/pretrain/default_runtime.py',
    '../../_base_/pretrain/simmim_adamw.py',
    '../../_base_/pretrain/simmim_vit-base-p16.py',
]

img_size = 224                                      # simmim.txt Sec. 4.2 "224^2 input resolution"
train_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.RandomResizedCrop', scale=img_size, crop_ratio_range=(0.67, 1.0),
         aspect_ratio_range=(3. / 4., 4. / 3.)),   # simmim.txt Sec. 4.1.1
    dict(type='mmpretrain.RandomFlip', prob=0.5),
    # 32x32 cells at ratio 0.6 (simmim.txt Sec. 4.1.2); one mask entry per 16x16 ViT token
    dict(type='mmpretrain.SimMIMMaskGenerator', input_size=img_size, mask_patch_size=32, model_patch_size=16,
         mask_ratio=0.6),
    dict(type='mmpretrain.PackInputs'),
]
train_dataloader = dict(batch_size=256, dataset=dict(pipeline=train_pipeline))  # x 8 = 2048

max_epochs = 800                                    # simmim.txt Sec. 4.2 "800 epochs"
warmup_epochs = 20                                  # simmim.txt Sec. 4.2 "20-epoch linear warm-up"
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6 / 8e-4, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=0.0, by_epoch=True,
         begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),  # simmim.txt Sec. 4.2 "cosine"
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
