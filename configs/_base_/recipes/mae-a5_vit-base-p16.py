# MAE ViT-B/16 end-to-end fine-tuning on iNaturalist and Places, any of the five sets (mae.txt Table 6); a
# task config adds its dataset (configs/_base_/datasets/) and sets the head's classes and mimbench.task.
# mae.txt A.5: "We follow the setting in Table 9 for iNaturalist and Places fine-tuning. We adjust the lr and
# fine-tuning epochs for each individual dataset" -- the adjusted values are not printed, so Table 9's are
# used: AdamW, base lr 1e-3 (x batch / 256 = 4e-3 at 1024), wd 0.05, layer decay 0.75, cosine, 5 warm-up
# epochs, 100 epochs (B), RandAug (9, 0.5), label smoothing 0.1, mixup 0.8, cutmix 1.0, drop path 0.1 (B/L).
# Not in Table 9: global average pooling + fc_norm and random erasing 0.25, as MAE's release fine-tunes
# (mae.txt A.1: the class token; average pooling works similarly).
_base_ = ['../models/classifier_vit.py', '../schedules/finetune_adamw_cosine-100e.py']
model = dict(
    backbone=dict(img_size=224, drop_path_rate=0.1),             # mae.txt Table 9 (B/L)
    head=dict(in_channels=768))
optim_wrapper = dict(
    optimizer=dict(lr=1e-3 * 1024 / 256, weight_decay=0.05),     # mae.txt Table 9 and A.1 (lr = base x batch/256)
    paramwise_cfg=dict(layer_decay_rate=0.75, rule='mae'))       # mae.txt Table 9
mimbench = dict(method='mae', backbone='vit-b', scale='full', recipe='mae.txt A.5')
