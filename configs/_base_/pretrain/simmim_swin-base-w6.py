# SimMIM with a Swin-B encoder at 192 px, window 6 (simmim.txt Sec. 4.1.1 ablation setting, Sec. 4.3).
model = dict(
    type='mimbench.SimMIM',
    mask_ratio=0.6,                    # simmim.txt Sec. 4.1.2 default (used only if the pipeline gives no mask)
    mask_patch_size=32,                # simmim.txt Sec. 4.1.2 default
    data_preprocessor=dict(type='mmpretrain.SelfSupDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], to_rgb=True),
    backbone=dict(
        type='mmpretrain.SimMIMSwinTransformer',
        arch='base',                   # Swin-B: C=128, depths 2/2/18/2 (simmim.txt Sec. 4.1.1)
        img_size=192,                  # simmim.txt Sec. 4.1.1 "input image size of 192x192"
        drop_path_rate=0.0,            # no stochastic depth listed for pre-training (0.1 is fine-tuning's)
        stage_cfgs=dict(block_cfgs=dict(window_size=6))),   # simmim.txt Sec. 4.1.1 "window size 6"
    neck=dict(type='mmpretrain.SimMIMLinearDecoder', in_channels=128 * 2 ** 3,   # 1024-d stage-4 output
              encoder_stride=32),      # one linear layer to 32x32x3 pixels (simmim.txt Sec. 3.1, Table 3)
    head=dict(
        type='mmpretrain.SimMIMHead',
        patch_size=4,                  # Swin patch (token) size: masks are given per 4x4 token
        loss=dict(type='mmpretrain.PixelReconstructionLoss', criterion='L1', channel=3)))  # l1, Eq. 1
