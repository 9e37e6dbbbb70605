# SimMIM with a ViT-B/16 encoder at 224 px (simmim.txt Sec. 4.2), built as SimMIM's release builds it: the
# paper's ViT-B follows BEiT's code (microsoft/SimMIM configs/vit_base__800ep, pre-training yaml: USE_APE
# False, USE_RPB False, USE_SHARED_RPB True; config.py INIT_VALUES 0.1, QKV_BIAS True).
model = dict(
    type='mimbench.SimMIM',
    mask_ratio=0.6,                    # simmim.txt Sec. 4.1.2 default (used only if the pipeline gives no mask)
    mask_patch_size=32,                # simmim.txt Sec. 4.1.2 default
    data_preprocessor=dict(type='mmpretrain.SelfSupDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], to_rgb=True),
    backbone=dict(
        type='mimbench.SimMIMViT',
        arch='b',                      # ViT-B (simmim.txt Sec. 4.2)
        img_size=224,                  # simmim.txt Sec. 4.2 "224^2 input resolution"
        patch_size=16,
        use_abs_pos_emb=False,         # release USE_APE False
        use_rel_pos_bias=False, use_shared_rel_pos_bias=True,   # release USE_RPB False, USE_SHARED_RPB
        layer_scale_init_value=0.1,    # release INIT_VALUES 0.1
        drop_path_rate=0.0,            # no stochastic depth listed for pre-training (0.1 is fine-tuning's)
        out_type='featmap'),
    neck=dict(type='mmpretrain.SimMIMLinearDecoder', in_channels=768,
              encoder_stride=16),      # one linear layer to 16x16x3 pixels per token (simmim.txt Sec. 3.1)
    head=dict(
        type='mmpretrain.SimMIMHead',
        patch_size=16,                 # ViT token size: masks are given per 16x16 token
        loss=dict(type='mmpretrain.PixelReconstructionLoss', criterion='L1', channel=3)))  # l1, Eq. 1
