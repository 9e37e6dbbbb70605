# Image classifier for end-to-end fine-tuning (mmpretrain): ViT-B/16 with global average pooling and a norm
# after pooling (fc_norm), as MAE's release fine-tunes (FINETUNE.md --global_pool; mae.txt A.1 trains the
# classifier on the class token and notes average pooling works similarly), linear head with label smoothing
# 0.1 (mae.txt Table 9, mixmim.txt Table 12, simmim.txt C.1). Mixup/CutMix come from the dataset base's
# data_preprocessor. Task configs swap in Swin / MixMIM / ResNet and set num_classes and drop path. The
# encoder checkpoint is injected at launch: --cfg-options model.backbone.init_cfg.checkpoint=PATH
custom_imports = dict(imports=['mimbench'], allow_failed_imports=False)
default_scope = 'mmpretrain'

model = dict(
    type='mmpretrain.ImageClassifier',
    backbone=dict(
        type='mmpretrain.VisionTransformer', patch_size=16, img_size=224,
        arch=dict(embed_dims=768, num_layers=12, num_heads=12, feedforward_channels=3072),   # ViT-B
        out_type='avg_featmap', final_norm=False,     # global pool + fc_norm (MAE release --global_pool)
        drop_path_rate=0.1,                           # mae.txt Table 9 (B/L)
        init_cfg=dict(type='mimbench.Pretrained', checkpoint=None)),
    head=dict(
        type='mmpretrain.LinearClsHead', num_classes=1000, in_channels=768,
        loss=dict(type='mmpretrain.LabelSmoothLoss', label_smooth_val=0.1, mode='original'),  # mae.txt Table 9
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=2e-5)]),   # MAE's released fine-tuning code
    init_cfg=None)
