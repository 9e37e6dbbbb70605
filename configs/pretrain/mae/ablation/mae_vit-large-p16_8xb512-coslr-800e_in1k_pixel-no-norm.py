# MAE ablation base (mae.txt Table 1 caption): ViT-L/16 pre-trained 800 epochs, decoder 8 blocks x 512-d,
# reconstruction target unnormalised pixels, random resized crop, 75% random masking. It is mimbench's MAE
# ViT-L recipe with two changes, 800 epochs and pixels without per-patch normalisation (variant
# `pixel-no-norm`, as mae.txt Table 7 names it). The other configs of this folder change one more thing each;
# `mimbench.variant` names their row, so a run fills that cell of leaderboards/mae/table1*.md. Paper (the gray
# default of every sub-table of mae.txt Table 1): 84.9 fine-tuning / 73.5 linear top-1.
_base_ = '../mae_vit-large-p16_8xb512-coslr-1600e_in1k.py'

model = dict(head=dict(norm_pix=False))             # mae.txt Table 1 caption: "target is unnormalized pixels"
max_epochs = 800                                    # mae.txt Table 1 caption: 800 epochs
warmup_epochs = 40                                  # mae.txt Table 8
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=0.0, by_epoch=True,
         begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),   # mae.txt Table 8 "cosine decay"
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
mimbench = dict(method='mae', backbone='vit-l', variant='pixel-no-norm', recipe='mae.txt Table 1')
