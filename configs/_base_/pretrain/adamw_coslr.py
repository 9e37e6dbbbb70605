# Pre-training schedule shared by the MIM recipes: AdamW, linear warm-up then cosine decay, epoch-based.
# Values are MAE's (mae.txt Table 8); every recipe restates what its paper sets (base lr, batch, betas,
# weight decay, epochs, warm-up) next to its citation.
base_lr = 1.5e-4                   # mae.txt Table 8 "base learning rate 1.5e-4"
batch_size = 4096                  # mae.txt Table 8 (total over all GPUs)
lr_scale_batch = 256               # mae.txt App. A.1 "lr = base_lr x batchsize / 256"
max_epochs = 800                   # mae.txt Table 1 caption: default 800 epochs for ablations
warmup_epochs = 40                 # mae.txt Table 8 "warmup epochs 40"

optim_wrapper = dict(
    type='OptimWrapper',           # `mimbench train ... --cfg-options optim_wrapper.type=AmpOptimWrapper` on GPUs
    optimizer=dict(
        type='AdamW',              # mae.txt Table 8
        lr=base_lr * batch_size / lr_scale_batch,
        betas=(0.9, 0.95),         # mae.txt Table 8 "optimizer momentum beta1, beta2 = 0.9, 0.95" (OCR lost the values)
        weight_decay=0.05,         # mae.txt Table 8
        fused=True),               # not a recipe value: same update, one pass per tensor (benchmarks/)
    # no decay on norms, biases, position embeddings, class and mask tokens (MAE / SimMIM releases)
    paramwise_cfg=dict(
        norm_decay_mult=0.0, bias_decay_mult=0.0,
        custom_keys={'pos_embed': dict(decay_mult=0.0), 'mask_token': dict(decay_mult=0.0),
                     'cls_token': dict(decay_mult=0.0)}))

param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=0.0, by_epoch=True,
         begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),   # mae.txt Table 8 "cosine decay"
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
# `--cfg-options auto_scale_lr.enable=True` rescales the lr above from this total batch to the launched one
# (GPUs x batch_size; same linear rule, mmengine Runner).
auto_scale_lr = dict(base_batch_size=batch_size, enable=False)
