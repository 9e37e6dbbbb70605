# CiM-REVDET with a vanilla (torchvision-style) ResNet-50 enhancer, 300 epochs (cim.txt Sec. 3.2, Table 2:
# 80.4 / 80.6 top-1 after 300 / 600-epoch fine-tuning; Table 3b ADE20K). Same recipe as ViT (cim.txt Table
# 9); generator width 384 and no weight sharing (there is no patch embedding to share).
_base_ = './cim-respix_vit-base-p16_16xb128-coslr-300e_in1k.py'

model = dict(
    objective='revdet',                      # cim.txt Sec. 2.2 REVDET
    enhancer_loss_weight=1.0,                # cim.txt Table 9 "1 for REVDET"
    num_shared_layers=0,                     # sharing only "as long as the enhancer is also ViT" (cim.txt Sec. 3.4)
    backbone=dict(
        _delete_=True,
        type='mmpretrain.ResNet',
        depth=50,                            # cim.txt footnote 5: torchvision ResNet-50 without change
        style='pytorch',                     # stride in the 3x3 conv, as torchvision
        out_indices=(3,)),                   # stage 4, [N, 2048, 7, 7] at 224 px
    generator=dict(embed_dims=384, num_heads=6, feedforward_channels=1536),   # cim.txt Table 9 "384 (ResNet)"
    head=dict(_delete_=True, type='mimbench.CiMTokenDetectionHead', in_channels=2048, stride=32,
              token_size=16))              # 2x2 token logits per stride-32 location
# which recipe of configs/recipes.csv this is (checked by tests/test_recipes.py)
mimbench = dict(recipe='cim.txt Table 9', method='cim-revdet', backbone='resnet-50')
