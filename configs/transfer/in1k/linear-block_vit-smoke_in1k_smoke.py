# Smoke variant (vit-smoke) of intermediate-layer linear probing (simmim.txt Sec. 4.2,
# mimbench.transfer.layer_probe): a probe per block of the 4-block smoke ViT trained on the generated in1k
# data minus 2 held-out images per class, the block chosen on those held-out images, then its probe trained
# on all training images and evaluated on val (2 iterations each). A smoke encoder checkpoint is injected at
# launch:
#   --cfg-options model.backbone.init_cfg.checkpoint=PATH mimbench.method=METHOD
_base_ = ['./linear_vit-smoke_in1k_smoke.py']

candidate_blocks = [1, 2, 3, 4]   # every block of the smoke ViT
layer_probe = dict(heldout_per_class=2, salt='mimbench-heldout')
model = dict(
    type='mimbench.LayerProbeClassifier', blocks=candidate_blocks, pooling='cls+avg', norm='none', neck=None,
    head=dict(init_cfg=[dict(type='Normal', layer='Linear', std=0.01)]))
optim_wrapper = dict(optimizer=dict(_delete_=True, type='AdamW', lr=1e-3, weight_decay=1e-4))
mimbench = dict(protocol='linear')
