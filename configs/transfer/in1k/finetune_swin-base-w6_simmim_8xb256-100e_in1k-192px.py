# SimMIM Swin-B ablation fine-tuning on ImageNet-1K (simmim.txt Sec. 4.1.1; Tables 1-5 and 10-11, e.g. 82.8
# for the 100-epoch default): 192 px with window 6 ("we use a default input image size of 192^2 and adapt the
# window size as 6"), layer decay 0.9, 100 epochs, lr 5e-3 at batch 2048, drop path 0.1, with the release
# config that produced 82.8 (microsoft/SimMIM
# configs/swin_base__100ep/simmim_finetune__swin_base__img192_window6__100ep.yaml: 20 warm-up epochs; the
# text's 10 is finetune_swin-base-w6_simmim_8xb256-paper-100e_in1k-192px.py). Test: resize 219 = int(192 /
# 0.875), centre crop 192 (the release's eval transform).
_base_ = ['./finetune_swin-base_simmim_8xb256-100e_in1k.py',
          '../../_base_/datasets/shared/classification_finetune_sizes.py']
model = dict(backbone=dict(img_size=192, window_size=6))           # simmim.txt Sec. 4.1.1
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.9))     # simmim.txt Sec. 4.1.1 / release
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_192))
val_dataloader = dict(dataset=dict(pipeline=_base_.test_pipeline_192))
test_dataloader = val_dataloader
mimbench = dict(resolution=192, recipe='simmim configs/swin_base__100ep')
