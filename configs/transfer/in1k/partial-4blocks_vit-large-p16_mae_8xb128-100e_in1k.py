# MAE ViT-L/16 partial fine-tuning of the last 4 blocks on ImageNet-1K (mae.txt Sec. 4.3, Fig. 9). mae.txt
# A.1: "follows the setting in Table 9, except that we adjust the number of fine-tuning epochs ... {50, 100,
# 200} and use the optimal one for each number of blocks tuned" (which one is not printed: 100 here). Table 9
# is the paper-text recipe (finetune_vit-large-p16_mae_8xb128-paper-50e_in1k.py: class token, decay 0.75, drop
# path 0.1). Other k: backbone.frozen_stages = 24 - k (the first 24-k blocks, patch and position embeddings
# frozen).
_base_ = './finetune_vit-large-p16_mae_8xb128-paper-50e_in1k.py'
model = dict(backbone=dict(frozen_stages=20))                    # tune the last 4 of 24 blocks (mae.txt Fig. 9)
train_cfg = dict(max_epochs=100)                                 # mae.txt A.1 (one of {50, 100, 200})
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-6, by_epoch=True, begin=5, end=100, convert_to_iter_based=True),
]
mimbench = dict(protocol='partial', recipe='mae.txt A.1 partial')
