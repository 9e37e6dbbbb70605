# SimMIM ViT-B/16 intermediate-layer linear probing on ImageNet-1K (simmim.txt Sec. 4.2 / Table 6): "we
# follow [BEiT] to choose an intermediate layer of ViT-B which produces the best linear probing accuracy.
# 100-epoch training with a 5-epoch linear warm-up step is employed." The rest is BEiT's linear-probe code
# (microsoft/unilm beit/run_linear_eval.py), which SimMIM follows: one linear classifier per block on [class
# token, mean of the patch tokens] without normalisation, AdamW with base lr 1e-3 (x batch/256) and weight
# decay 1e-4, cosine decay, batch 128 per GPU, RandomResizedCrop + flip. BEiT's code reports the best block
# (and epoch) on the validation set; mimbench chooses the block on a held-out part of the *training* set (10
# images per class, deterministic and class-stratified: mimbench.datasets.heldout), then trains the chosen
# block's probe on the whole training set (mimbench.transfer.layer_probe). Records report top-1 as metric
# `linear`, the protocol in their `probe` field.
# Run: mimbench train THIS --cfg-options model.backbone.init_cfg.checkpoint=PATH  (both phases)
_base_ = ['./linear_vit-base-p16_mae_32xb512-90e_in1k.py']

candidate_blocks = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]   # every block of ViT-B
layer_probe = dict(heldout_per_class=10, salt='mimbench-heldout')   # 10,000 held-out training images
model = dict(
    type='mimbench.LayerProbeClassifier', blocks=candidate_blocks,
    pooling='cls+avg', norm='none',   # BEiT's run_linear_eval.py (--avgpool_patchtokens True, no norm)
    neck=None,
    head=dict(init_cfg=[dict(type='Normal', layer='Linear', std=0.01)]))   # BEiT: normal(0, 0.01), zero bias
optim_wrapper = dict(optimizer=dict(_delete_=True, type='AdamW', lr=1e-3 * 1024 / 256,   # BEiT base lr 1e-3
                                    weight_decay=1e-4))                                  # BEiT's AdamW
param_scheduler = [   # simmim.txt Sec. 4.2: 100 epochs, 5-epoch linear warm-up; cosine (BEiT)
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0.0, by_epoch=True, begin=5, end=100, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=100)                  # simmim.txt Sec. 4.2
train_dataloader = dict(batch_size=128)           # BEiT: 128 per GPU (x 8 GPUs = 1024)
val_dataloader = dict(batch_size=128)
auto_scale_lr = dict(base_batch_size=1024)
mimbench = dict(task='in1k', method='simmim', backbone='vit-b', scale='full', protocol='linear',
                recipe='simmim.txt Sec. 4.2')
