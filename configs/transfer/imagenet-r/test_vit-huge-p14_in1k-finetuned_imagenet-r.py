# Robustness (mae.txt Appendix C / Table 13): ImageNet-R top-1 (the logits restricted to its 200 classes) of
# the ViT-H/14 classifier fine-tuned by ../in1k/finetune_vit-huge-p14_mae_8xb128-50e_in1k.py, with no
# further training. `mimbench evaluate` does the same on top of its own in1k run (that run's config and
# final checkpoint); by hand (test only):
#   mimbench train THIS --cfg-options load_from=IN1K_FINETUNED_CHECKPOINT \
#     test_dataloader.dataset.data_root=DIR
_base_ = ['../in1k/finetune_vit-huge-p14_mae_8xb128-50e_in1k.py',
          '../../_base_/datasets/robustness/imagenet_r.py']
test_dataloader = dict(dataset=_base_.robustness_dataset)
test_evaluator = _base_.robustness_evaluator
mimbench = dict(task='imagenet-r', backbone='vit-h', scale='full')
