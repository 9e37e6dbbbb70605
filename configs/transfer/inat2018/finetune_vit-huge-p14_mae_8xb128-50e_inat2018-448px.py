# MAE ViT-H/14 fine-tuned at 448 px on iNaturalist 2018 (mae.txt Table 6, column ViT-H448: 86.8). The paper
# gives no other setting for this column: the ViT-H recipe of this task (mae.txt A.5 -> Table 9) at 448 px,
# position embeddings interpolated from 224 on load, test resize 512 = int(448 / 0.875).
_base_ = ['./finetune_vit-huge-p14_mae_8xb128-50e_inat2018.py',
          '../../_base_/datasets/shared/classification_finetune_sizes.py']
model = dict(backbone=dict(img_size=448))                        # mae.txt Table 6 (ViT-H448)
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_448))
val_dataloader = dict(dataset=dict(pipeline=_base_.test_pipeline_448))
test_dataloader = val_dataloader
mimbench = dict(resolution=448, recipe='mae.txt A.5 @448')
