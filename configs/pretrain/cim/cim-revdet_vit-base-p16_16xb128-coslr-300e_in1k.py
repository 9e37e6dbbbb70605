# CiM-REVDET with a vanilla ViT-B/16 enhancer, 300 epochs (cim.txt Sec. 2.2, Table 9; Table 1: 83.1 top-1).
# Same recipe as RESPIX except the objective: per-token replaced/original BCE, weight 1 (cim.txt Table 9).
_base_ = './cim-respix_vit-base-p16_16xb128-coslr-300e_in1k.py'

model = dict(
    objective='revdet',                      # cim.txt Sec. 2.2 REVDET
    enhancer_loss_weight=1.0,                # cim.txt Table 9 "1 for REVDET"
    head=dict(_delete_=True, type='mimbench.CiMTokenDetectionHead', in_channels=768, stride=16,
              token_size=16))                # one logit per 16x16 visual token
# which recipe of configs/recipes.csv this is (checked by tests/test_recipes.py)
mimbench = dict(recipe='cim.txt Table 9', method='cim-revdet', backbone='vit-b')
