# SimMIM Swin-L (800-epoch pre-training at 192 px, window 12) end-to-end fine-tuning on ImageNet-1K
# (simmim.txt Table 7: 85.4) with the release config that produced it (microsoft/SimMIM
# configs/swin_large__800ep/ simmim_finetune__swin_large__img224_window14__800ep.yaml): 224 px, window 14
# (Table 8), layer decay 0.7, drop path 0.2, 20 warm-up epochs; else as the Swin-B recipe (lr 5e-3 at batch
# 2048). The text (Sec. 4.3: decay 0.75, "other fine-tuning hyper-parameters follow that in ablation": drop
# path 0.1, 10 warm-up epochs) is the named variant finetune_swin-large_simmim_8xb256-paper-100e_in1k.py.
_base_ = './finetune_swin-base_simmim_8xb256-100e_in1k.py'
model = dict(
    backbone=dict(arch='large', window_size=14,                    # simmim.txt Table 8 (Swin-L fine-tuning)
                  # stage 4's map is 7x7 at 224 px: Swin's code (SimMIM's) shrinks the window to it, unshifted
                  stage_cfgs=[dict(), dict(), dict(), dict(window_size=7)],
                  drop_path_rate=0.2),                             # release DROP_PATH_RATE (text: 0.1)
    head=dict(in_channels=1536))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.7))     # release LAYER_DECAY (text: 0.75)
mimbench = dict(backbone='swin-l', recipe='simmim configs/swin_large__800ep')
