# SimMIM pre-training optimizer (simmim.txt Sec. 4.1.1): AdamW, batch 2048, lr 8e-4, wd 0.05, betas (0.9, 0.999).
# The official code writes lr as 2e-4 x batch / 512 (= 8e-4 at 2048): the same linear rule, reproduced by
# auto_scale_lr below (`--cfg-options auto_scale_lr.enable=True` rescales lr from batch 2048 to the launched one).
batch_size = 2048                  # simmim.txt Sec. 4.1.1 "batch size as 2048"
base_lr = 8e-4                     # simmim.txt Sec. 4.1.1 "base learning rate as 8e-4" (at batch 2048)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=base_lr, betas=(0.9, 0.999),   # simmim.txt Sec. 4.1.1
                   weight_decay=0.05,                               # simmim.txt Sec. 4.1.1
                   fused=True),     # not a recipe value: same update, one pass per tensor (benchmarks/)
    # gradient clipping is not in simmim.txt: the release clips at norm 5 (config.py TRAIN.CLIP_GRAD)
    clip_grad=dict(max_norm=5.0),
    # no decay on norms, biases, position embeddings/bias tables and the mask token (official code)
    paramwise_cfg=dict(
        norm_decay_mult=0.0, bias_decay_mult=0.0,
        custom_keys={'pos_embed': dict(decay_mult=0.0), 'relative_position_bias_table': dict(decay_mult=0.0),
                     'mask_token': dict(decay_mult=0.0), 'cls_token': dict(decay_mult=0.0)}))
auto_scale_lr = dict(base_batch_size=batch_size, enable=False)
