# MAE ViT-B/16 linear probing on ImageNet-1K (mae.txt Table 12: 68.0; recipe Table 10 and A.1): the encoder is
# frozen, its class token (after the final norm) goes through BatchNorm without affine (mae.txt A.1) and a
# linear classifier; LARS, base lr 0.1 (x batch/256 = 6.4), wd 0, momentum 0.9, batch 16384, cosine, 10 warmup
# epochs, 90 epochs; no mixup/cutmix/drop path/colour jitter (mae.txt A.1). Records report top-1 as metric
# `linear`.
# Run: mim train mmpretrain THIS --launcher pytorch --gpus 32 --cfg-options model.backbone.init_cfg.checkpoint=PATH
_base_ = [
    '../../_base_/models/classifier_vit.py',
    '../../_base_/datasets/imagenet_linear.py',
    '../../_base_/schedules/linear_lars_cosine-90e.py',
]
model = dict(
    backbone=dict(out_type='cls_token', final_norm=True, frozen_stages=12, drop_path_rate=0.0),  # frozen encoder
    neck=dict(type='mimbench.FeatureBatchNorm', in_channels=768),                              # mae.txt A.1
    head=dict(num_classes=1000, in_channels=768,
              # plain cross-entropy: MAE's release linear probing (main_linprobe.py); A.1 lists no smoothing
              loss=dict(_delete_=True, type='mmpretrain.CrossEntropyLoss', loss_weight=1.0),
              init_cfg=[dict(type='TruncNormal', layer='Linear', std=0.01)]))                 # MAE's linprobe code
mimbench = dict(task='in1k', method='mae', backbone='vit-b', scale='full', protocol='linear',
                recipe='mae.txt Table 10')
