# MAE ViT-B/16 -> UperNet on ADE20K (mae.txt A.4, Table 5: 48.1 mIoU). mae.txt A.4: "We use UperNet following
# the semantic segmentation code of BEiT. We fine-tune end-to-end for 100 epochs with a batch size of 16" ->
# 100 x 20,210 / 16 = 126,313 iterations. "We turn on relative position bias only during transfer learning,
# initialized as zero" -> backbone.rel_pos_bias=True. "We search for the optimal lr for each entry" (not
# printed): lr 1e-4, layer decay 0.65, wd 0.05, 1500 warm-up iterations, poly decay, drop path 0.1 as
# mmsegmentation's MAE ViT-B UperNet config (BEiT's segmentation code, reported at 48.1 there). BEiT's code
# feeds UperNet the outputs of blocks 4, 6, 8 and 12 (out_indices [3, 5, 7, 11]).
# Run: mim train mmseg configs/transfer/ade20k/upernet_vit-base-p16_mae_8xb2-126k_ade20k.py --launcher pytorch \
#        --gpus 8 --cfg-options model.backbone.init_cfg.checkpoint=PATH      (multi-scale test: mim test ... --tta)
_base_ = [
    '../../_base_/models/upernet_vit.py',
    '../../_base_/datasets/ade20k_512.py',
    '../../_base_/schedules/upernet_adamw_160k.py',
]
iters = 126313   # 100 epochs x 20,210 images / batch 16 (mae.txt A.4)
model = dict(backbone=dict(vit=dict(img_size=512, drop_path_rate=0.1),
                           out_indices=[3, 5, 7, 11],            # BEiT's segmentation code (mae.txt A.4)
                           rel_pos_bias=True))                   # mae.txt A.4
train_dataloader = dict(batch_size=2)    # x 8 GPUs = 16: mae.txt A.4
optim_wrapper = dict(
    optimizer=dict(lr=1e-4, weight_decay=0.05),                  # searched in mae.txt A.4; mmseg's MAE config
    paramwise_cfg=dict(layer_decay_rate=0.65, rule='mae'))       # mmseg's MAE config (BEiT's code)
train_cfg = dict(max_iters=iters, val_interval=16000)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=iters),
]
mimbench = dict(task='ade20k', method='mae', backbone='vit-b', scale='full', recipe='mae.txt A.4')
