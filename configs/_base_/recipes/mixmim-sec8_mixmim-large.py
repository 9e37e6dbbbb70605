# MixMIM-L end-to-end fine-tuning on iNaturalist and Places (mixmim.txt Table 5): mixmim.txt Sec. 8 -> Table
# 12 with the large model's values, 50 epochs (L/H) and drop path 0.2 (L; Sec. 8 adjusts it per dataset, not
# printed).
_base_ = './mixmim-sec8_mixmim-base.py'
model = dict(backbone=dict(arch='large', drop_path_rate=0.2),  # mixmim.txt Sec. 2.2; Table 12 drop path (L)
             head=dict(in_channels=1536))                       # MixMIM-L stage-4 width (Sec. 2.2)
train_cfg = dict(max_epochs=50)                                 # mixmim.txt Table 12 (L/H)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-6, by_epoch=True, begin=5, end=50, convert_to_iter_based=True),
]
mimbench = dict(backbone='mixmim-l')
