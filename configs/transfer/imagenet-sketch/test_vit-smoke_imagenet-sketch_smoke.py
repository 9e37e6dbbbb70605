# Smoke variant (vit-smoke) of the imagenet-sketch robustness evaluation (mae.txt Appendix C / Table 13):
# ImageNet-Sketch top-1 of the classifier fine-tuned by ../in1k/finetune_vit-smoke_in1k_smoke.py, on the
# generated data, no training. `mimbench evaluate` does the same on top of its own in1k run (that run's
# config and final checkpoint); by hand: mimbench train THIS --cfg-options load_from=CHECKPOINT
_base_ = ['../in1k/finetune_vit-smoke_in1k_smoke.py',
          '../../_base_/datasets/robustness/imagenet_sketch_smoke.py']
test_dataloader = dict(dataset=_base_.robustness_dataset)
test_evaluator = _base_.robustness_evaluator
mimbench = dict(task='imagenet-sketch', backbone='vit-smoke', scale='smoke')
