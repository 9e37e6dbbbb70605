# SimMIM ViT-B/16 (800-epoch pre-training) end-to-end fine-tuning on ImageNet-1K (simmim.txt Table 6: 83.8)
# with the release config that produced it (microsoft/SimMIM configs/vit_base__800ep/
# simmim_finetune__vit_base__img224__800ep.yaml). simmim.txt Sec. 4.2: "a layer-wise learning rate decay of
# 0.65 following [BEiT], and keep all other settings strictly the same as in our ablation study": 100 epochs,
# batch 2048, lr 5e-3 (release BASE_LR 1.25e-3 x 2048 / 512), wd 0.05, drop path 0.1, 224 px. The release
# encoder is BEiT's layout: no absolute position embedding, a relative position bias per block, layer scale
# 0.1, mean pooling + norm (USE_APE False, USE_RPB True, INIT_VALUES 0.1, USE_MEAN_POOLING True) =
# mmpretrain.BEiTViT; SimMIM's released ViT-B checkpoint (shared bias) is converted into it on load. 20
# warm-up epochs as the release (text: 10, finetune_vit-base-p16_simmim_8xb256-paper-100e_in1k.py). SimMIM's
# layer ids (get_vit_layer).
_base_ = './finetune_swin-base_simmim_8xb256-100e_in1k.py'
model = dict(
    backbone=dict(
        _delete_=True, type='mmpretrain.BEiTViT', arch='base', img_size=224, patch_size=16,
        use_abs_pos_emb=False, use_rel_pos_bias=True, use_shared_rel_pos_bias=False,   # release USE_APE/RPB
        layer_scale_init_value=0.1,                                # release INIT_VALUES 0.1
        out_type='avg_featmap', final_norm=False,                  # release USE_MEAN_POOLING: mean + norm
        drop_path_rate=0.1,                                        # simmim.txt Sec. 4.1.1 / release
        init_cfg=dict(type='mimbench.Pretrained', checkpoint=None)),
    neck=None,
    head=dict(in_channels=768))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.65))    # simmim.txt Sec. 4.2 / release
mimbench = dict(backbone='vit-b', recipe='simmim configs/vit_base__800ep')
