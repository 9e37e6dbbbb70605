# SimMIM Swin-B -> UperNet on ADE20K (simmim.txt C.1, Table 12). simmim.txt C.1: "AdamW ... a weight decay of 0.05,
# a batch size of 32, a layer-wise decay rate of 0.9, and a learning rate searching from 1e-4 and 3e-4. All models
# are trained for 80K iterations with an input resolution of 512x512 and a window size of 20. In inference, a
# multi-scale test using resolutions that are [0.75, 0.875, 1.0, 1.125, 1.25]x of 512x2048" (dataset base tta;
# run `mim test mmseg CONFIG --checkpoint CKPT --tta`). simmim.txt C.1 notes it started ADE20K from the
# IN-1K fine-tuned weights: pass such a checkpoint to reproduce Table 12.
_base_ = [
    '../../_base_/models/upernet_vit.py',
    '../../_base_/datasets/ade20k_512.py',
    '../../_base_/schedules/upernet_adamw_160k.py',
]
model = dict(
    backbone=dict(
        _delete_=True, type='mmpretrain.SwinTransformer', arch='base', img_size=512,
        window_size=20,                      # simmim.txt C.1
        drop_path_rate=0.3,                  # not printed: Swin-B's UperNet value
        out_indices=(0, 1, 2, 3), pad_small_map=True,
        init_cfg=dict(type='mimbench.Pretrained', checkpoint=None)),
    decode_head=dict(in_channels=[128, 256, 512, 1024], channels=512),
    auxiliary_head=dict(in_channels=512))
train_dataloader = dict(batch_size=4)        # x 8 GPUs = 32: simmim.txt C.1
optim_wrapper = dict(
    optimizer=dict(lr=1e-4, weight_decay=0.05),                  # simmim.txt C.1 (lr from {1e-4, 3e-4})
    paramwise_cfg=dict(layer_decay_rate=0.9, rule='simmim'))     # simmim.txt C.1
train_cfg = dict(max_iters=80000, val_interval=8000)             # simmim.txt C.1
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=80000),
]
auto_scale_lr = dict(base_batch_size=32)                         # the lr above is the lr at batch 32
mimbench = dict(task='ade20k', method='simmim', backbone='swin-b', scale='full', recipe='simmim.txt C.1')
