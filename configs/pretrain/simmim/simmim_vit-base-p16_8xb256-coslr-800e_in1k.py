# SimMIM ViT-B/16 pre-training (simmim.txt Sec. 4.2): 800 epochs, cosine lr, 20-epoch warm-up, 224 px; all
# other hyper-parameters as the ablation (Sec. 4.1.1): batch 2048 = 8 x 256, AdamW lr 8e-4, wd .05; values the
# text leaves open as the ablation's release config (warm-up from 4e-6, cosine to 4e-5, clipping at 5) and the
# ViT release config (drop path 0.1). The release's ViT-B run differs from this text in its schedule: step lr
# 4e-4 (1e-4 x 2048/512) dropped at epoch 700, 10 warm-up epochs. The encoder is the release's (BEiT's layout:
# shared relative position bias, layer scale 0.1, no absolute position embedding; mimbench.SimMIMViT), so the
# checkpoint fine-tunes with SimMIM's own ViT-B recipe,
# configs/transfer/in1k/finetune_vit-base-p16_simmim_8xb256-100e_in1k.py.
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
model = dict(backbone=dict(drop_path_rate=0.1))    # not in the text: the release ViT pre-training config
# Weight decay as the release applies it to its ViT (optimizer.py get_pretrain_param_groups): none on 1-D
# tensors (norms, biases, q/v biases, layer scales) nor on the ViT's no_weight_decay (pos_embed, cls_token);
# the mask token and the shared relative position table are decayed (Swin's encoder lists them, the ViT not)
optim_wrapper = dict(paramwise_cfg=dict(
    flat_decay_mult=0.0,
    custom_keys={'mask_token': dict(decay_mult=1.0), 'relative_position_bias_table': dict(decay_mult=1.0)}))
param_scheduler = [   # warm-up start / final lr not in the text: the ablation's release values (4e-6, 4e-5)
    dict(type='LinearLR', start_factor=4e-6 / 8e-4, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=4e-5, by_epoch=True,
         begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),  # simmim.txt Sec. 4.2 "cosine"
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
# which recipe of configs/recipes.csv this is (checked by tests/test_recipes.py)
mimbench = dict(recipe='simmim.txt Sec. 4.2', method='simmim', backbone='vit-b')
