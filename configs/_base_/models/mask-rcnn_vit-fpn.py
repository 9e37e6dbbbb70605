# Mask R-CNN with FPN on a plain ViT-B/16 made multi-scale by mimbench.ViTMultiScale (mmdet).
# mae.txt A.3: "We adapt the vanilla ViT for the use of an FPN backbone in Mask R-CNN ... equally divide this stack
# into 4 subsets and apply convolutions to upsample or downsample ... (stride 4, 8, 16, or 32)". simmim.txt C.1 and
# mixmim.txt Sec. 8 use Mask R-CNN too (their task configs swap in Swin / MixMIM, hierarchical, straight into FPN).
# Heads: the standard Mask R-CNN FPN heads (mmdet's mask-rcnn_r50_fpn layout), all types scoped to mmdet.
# The encoder checkpoint is injected at launch: --cfg-options model.backbone.init_cfg.checkpoint=PATH
custom_imports = dict(imports=['mimbench'], allow_failed_imports=False)
default_scope = 'mmdet'

model = dict(
    type='mmdet.MaskRCNN',
    data_preprocessor=dict(
        type='mmdet.DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],   # ImageNet RGB, as in pre-training
        bgr_to_rgb=True, pad_mask=True, pad_size_divisor=32),
    backbone=dict(
        type='mimbench.ViTMultiScale',
        vit=dict(type='mmpretrain.VisionTransformer', arch=dict(embed_dims=768, num_layers=12, num_heads=12, feedforward_channels=3072),
                 patch_size=16, img_size=1024,
                 drop_path_rate=0.1),   # ViT-B/16 (mae.txt Sec. 4); drop path: set per recipe in the task config
        init_cfg=dict(type='mimbench.Pretrained', checkpoint=None)),
    neck=dict(type='mmdet.FPN', in_channels=[768, 768, 768, 768], out_channels=256, num_outs=5),
    rpn_head=dict(
        type='mmdet.RPNHead', in_channels=256, feat_channels=256,
        anchor_generator=dict(type='mmdet.AnchorGenerator', scales=[8], ratios=[0.5, 1.0, 2.0],
                              strides=[4, 8, 16, 32, 64]),
        bbox_coder=dict(type='mmdet.DeltaXYWHBBoxCoder', target_means=[0., 0., 0., 0.],
                        target_stds=[1.0, 1.0, 1.0, 1.0]),
        loss_cls=dict(type='mmdet.CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
        loss_bbox=dict(type='mmdet.L1Loss', loss_weight=1.0)),
    roi_head=dict(
        type='mmdet.StandardRoIHead',
        bbox_roi_extractor=dict(type='mmdet.SingleRoIExtractor',
                                roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=0),
                                out_channels=256, featmap_strides=[4, 8, 16, 32]),
        bbox_head=dict(
            type='mmdet.Shared2FCBBoxHead', in_channels=256, fc_out_channels=1024, roi_feat_size=7,
            num_classes=80,
            bbox_coder=dict(type='mmdet.DeltaXYWHBBoxCoder', target_means=[0., 0., 0., 0.],
                            target_stds=[0.1, 0.1, 0.2, 0.2]),
            reg_class_agnostic=False,
            loss_cls=dict(type='mmdet.CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
            loss_bbox=dict(type='mmdet.L1Loss', loss_weight=1.0)),
        mask_roi_extractor=dict(type='mmdet.SingleRoIExtractor',
                                roi_layer=dict(type='RoIAlign', output_size=14, sampling_ratio=0),
                                out_channels=256, featmap_strides=[4, 8, 16, 32]),
        mask_head=dict(type='mmdet.FCNMaskHead', num_convs=4, in_channels=256, conv_out_channels=256,
                       num_classes=80,
                       loss_mask=dict(type='mmdet.CrossEntropyLoss', use_mask=True, loss_weight=1.0))),
    train_cfg=dict(
        rpn=dict(
            assigner=dict(type='mmdet.MaxIoUAssigner', pos_iou_thr=0.7, neg_iou_thr=0.3, min_pos_iou=0.3,
                          match_low_quality=True, ignore_iof_thr=-1),
            sampler=dict(type='mmdet.RandomSampler', num=256, pos_fraction=0.5, neg_pos_ub=-1,
                         add_gt_as_proposals=False),
            allowed_border=-1, pos_weight=-1, debug=False),
        rpn_proposal=dict(nms_pre=2000, max_per_img=1000, nms=dict(type='nms', iou_threshold=0.7),
                          min_bbox_size=0),
        rcnn=dict(
            assigner=dict(type='mmdet.MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.5, min_pos_iou=0.5,
                          match_low_quality=True, ignore_iof_thr=-1),
            sampler=dict(type='mmdet.RandomSampler', num=512, pos_fraction=0.25, neg_pos_ub=-1,
                         add_gt_as_proposals=True),
            mask_size=28, pos_weight=-1, debug=False)),
    test_cfg=dict(
        rpn=dict(nms_pre=1000, max_per_img=1000, nms=dict(type='nms', iou_threshold=0.7), min_bbox_size=0),
        rcnn=dict(score_thr=0.05, nms=dict(type='nms', iou_threshold=0.5), max_per_img=100,
                  mask_thr_binary=0.5)))
