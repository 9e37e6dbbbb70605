# SimMIM ViT-B/16 intermediate-layer linear probing on ImageNet-1K (simmim.txt Sec. 4.2 / Table 6: 56.7) of
# SimMIM's own encoder: the recipe of linear-block_vit-base-p16_simmim_8xb128-100e_in1k.py (BEiT's probe, the
# block chosen on held-out training data) on the ViT-B SimMIM pre-trains, which has BEiT's layout (microsoft/
# SimMIM configs/vit_base__800ep: no absolute position embedding, relative position bias, layer scale 0.1,
# q/v biases; mimbench.SimMIMViT). mmpretrain.BEiTViT with one table per block, as SimMIM's ViT-B fine-tuning
# recipe builds it (finetune_vit-base-p16_simmim_8xb256-100e_in1k.py); the pre-trained shared table is copied
# into each block on load, which computes the same frozen features. ViTs with an absolute position embedding
# (MAE, CiM...) use linear-block_vit-base-p16_simmim_8xb128-100e_in1k.py.
# Run: mimbench train THIS --cfg-options model.backbone.init_cfg.checkpoint=PATH  (both phases)
_base_ = ['./linear-block_vit-base-p16_simmim_8xb128-100e_in1k.py']

model = dict(
    backbone=dict(
        _delete_=True, type='mmpretrain.BEiTViT', arch='base', img_size=224, patch_size=16,
        use_abs_pos_emb=False, use_rel_pos_bias=True, use_shared_rel_pos_bias=False,   # SimMIM's ViT-B layout
        layer_scale_init_value=0.1,                        # release INIT_VALUES 0.1
        out_type='cls_token', final_norm=True,             # as the ViT probe (the probe sets out_type)
        frozen_stages=12, drop_path_rate=0.0,              # frozen encoder (simmim.txt Sec. 4.2, BEiT)
        init_cfg=dict(type='mimbench.Pretrained', checkpoint=None)))
