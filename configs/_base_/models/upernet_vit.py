# UperNet on a plain ViT-B/16 made multi-scale by mimbench.ViTMultiScale (mmseg), ADE20K's 150 classes.
# mae.txt A.4: "We use UperNet following the semantic segmentation code of BEiT" (4 feature maps from the 4 block
# groups, deconv/pool to strides 4-32, UPerHead + auxiliary FCN head on the stride-16 map), with relative position
# bias turned on for transfer and initialised at zero (the task config sets backbone.rel_pos_bias=True for MAE).
# simmim.txt C.1, mixmim.txt Sec. 8 use UperNet too (their task configs swap in Swin / MixMIM).
# The encoder checkpoint is injected at launch: --cfg-options model.backbone.init_cfg.checkpoint=PATH
custom_imports = dict(imports=['mimbench'], allow_failed_imports=False)
default_scope = 'mmseg'
norm_cfg = dict(type='SyncBN', requires_grad=True)   # mmengine's runner reverts it to BN when not distributed

model = dict(
    type='mmseg.EncoderDecoder',
    data_preprocessor=dict(
        type='mmseg.SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True,
        pad_val=0, seg_pad_val=255, size=(512, 512)),   # 512x512 crops: mae.txt A.4, simmim.txt C.1
    backbone=dict(
        type='mimbench.ViTMultiScale',
        vit=dict(type='mmpretrain.VisionTransformer', arch=dict(embed_dims=768, num_layers=12, num_heads=12, feedforward_channels=3072),
                 patch_size=16, img_size=512,
                 drop_path_rate=0.1),
        rel_pos_bias=False,
        norm_cfg=norm_cfg,
        init_cfg=dict(type='mimbench.Pretrained', checkpoint=None)),
    decode_head=dict(
        type='mmseg.UPerHead', in_channels=[768, 768, 768, 768], in_index=[0, 1, 2, 3],
        pool_scales=(1, 2, 3, 6), channels=768, dropout_ratio=0.1, num_classes=150,
        norm_cfg=norm_cfg, align_corners=False,
        loss_decode=dict(type='mmseg.CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    auxiliary_head=dict(
        type='mmseg.FCNHead', in_channels=768, in_index=2, channels=256, num_convs=1, concat_input=False,
        dropout_ratio=0.1, num_classes=150, norm_cfg=norm_cfg, align_corners=False,
        loss_decode=dict(type='mmseg.CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
