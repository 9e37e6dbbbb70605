# MixMIM-B end-to-end fine-tuning on iNaturalist and Places, any of the four sets (mixmim.txt Table 5); a task
# config adds its dataset (configs/_base_/datasets/) and sets the head's classes and mimbench.task. mixmim.txt
# Sec. 8: "We reuse the setting in Table 12. We adjust the drop path rate for each dataset" (the adjusted
# rates are not printed: Table 12's B value 0.1 is used). Table 12: AdamW, base lr 5e-4 (x batch / 256 = 2e-3
# at 1024), wd 0.05, betas (0.9, 0.999), layer decay 0.7, cosine, 5 warm-up epochs, 100 epochs (B), RandAug
# (9, 0.5), label smoothing 0.1, mixup 0.8, cutmix 1.0; random erasing 0.25 as the release (Sense-X/MixMIM
# finetune.sh --reprob 0.25).
_base_ = ['../models/classifier_vit.py', '../schedules/finetune_adamw_cosine-100e.py']
model = dict(
    backbone=dict(
        _delete_=True, type='mmpretrain.MixMIMTransformer', arch='base', img_size=224,
        window_size=[14, 14, 14, 7],                               # mixmim.txt Sec. 2.2 / Sec. 3
        drop_path_rate=0.1,                                        # mixmim.txt Table 12 (B); Sec. 8 "adjust"
        init_cfg=dict(type='mimbench.Pretrained', checkpoint=None)),
    head=dict(in_channels=1024))
optim_wrapper = dict(
    optimizer=dict(lr=5e-4 * 1024 / 256, weight_decay=0.05),     # mixmim.txt Table 12 (+ Sec. 8 linear scaling)
    paramwise_cfg=dict(layer_decay_rate=0.7, rule='mixmim'))     # mixmim.txt Table 12 / Sec. 8
mimbench = dict(method='mixmim', backbone='mixmim-b', scale='full',
                recipe='mixmim.txt Sec. 8')
