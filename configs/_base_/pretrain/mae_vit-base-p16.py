# MAE with a ViT-B/16 encoder (mae.txt Sec. 3, App. A.1). Full recipes change arch/patch size; see
# configs/pretrain/mae/.
model = dict(
    type='mimbench.MAE',
    data_preprocessor=dict(type='mmpretrain.SelfSupDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], to_rgb=True),
    backbone=dict(
        type='mimbench.MAEViT',
        arch='b',                      # ViT-B: 768-d, 12 blocks, 12 heads (mae.txt Sec. 4, ViT [5])
        img_size=224,                  # mae.txt Sec. 4 "224x224"
        patch_size=16,                 # ViT-B/16 (mae.txt Table 3)
        mask_ratio=0.75),              # mae.txt Sec. 4 / Fig. 5 "masking ratio of 75%"
    neck=dict(
        type='mmpretrain.MAEPretrainDecoder',
        num_patches=196,               # (224 / 16)^2
        patch_size=16,
        embed_dim=768,                 # linear projection encoder width -> decoder width (mae.txt App. A.1)
        decoder_embed_dim=512,         # mae.txt Table 1(b)/App. A.1 "decoder width 512"
        decoder_depth=8,               # mae.txt Table 1(a) "decoder depth 8"
        decoder_num_heads=16,          # 64-d heads, as the official code
        mlp_ratio=4.),
    head=dict(
        type='mmpretrain.MAEPretrainHead',
        norm_pix=True,                 # normalised pixels: mae.txt Sec. 3, Table 1(d), Table 3 caption
        patch_size=16,
        loss=dict(type='mmpretrain.PixelReconstructionLoss', criterion='L2')),  # MSE on masked patches, Sec. 3
    # xavier_uniform for all Transformer blocks (mae.txt App. A.1 "following ViT's official code")
    init_cfg=[dict(type='Xavier', layer='Linear', distribution='uniform'),
              dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)])
