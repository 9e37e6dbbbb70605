# MAE ViT-H/14 fine-tuned at 448 px on ImageNet-1K (mae.txt Table 3 and Sec. 4.2: "By fine-tuning with a 448
# size, we achieve 87.8%"). The paper gives no other setting for this run: the ViT-H release recipe
# (finetune_vit-huge-p14_mae_8xb128-50e_in1k.py) at 448 px, position embeddings interpolated from 224 on load.
_base_ = ['./finetune_vit-huge-p14_mae_8xb128-50e_in1k.py',
          '../../_base_/datasets/shared/classification_finetune_sizes.py']
model = dict(backbone=dict(img_size=448))                        # mae.txt Table 3 (second ViT-H column)
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_448))
val_dataloader = dict(dataset=dict(pipeline=_base_.test_pipeline_448))
test_dataloader = val_dataloader
mimbench = dict(resolution=448, recipe='mae FINETUNE.md @448')
