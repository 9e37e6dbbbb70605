# Test data shared by ImageNet-A, -R and -Sketch (imagenet_a.py, imagenet_r.py, imagenet_sketch.py set the
# dataset type and root) for the robustness evaluation of mae.txt Appendix C / Table 13: the in1k
# fine-tuned classifier, no further training, metric top-1. ImageNet-A/-R cover 200 ImageNet-1K classes and
# mimbench.SubsetAccuracy restricts the 1000 logits to them before the argmax, as their authors evaluate
# (the dataset's output_indices); ImageNet-Sketch covers all 1000 (plain top-1).
# A robustness config inherits its backbone's in1k fine-tuning config and a task's file and sets
#   test_dataloader = dict(dataset=_base_.robustness_dataset)
#   test_evaluator = _base_.robustness_evaluator
# (names that differ from the in1k config's: mmengine forbids a key in two bases).
test_only = True   # `mimbench train` only tests (runner.test()) the classifier given as load_from
robustness_dataset = dict(
    _delete_=True,
    pipeline=[   # the authors' evaluation: resize 256, center crop 224 (as the in1k val pipeline)
        dict(type='mmpretrain.LoadImageFromFile'),
        dict(type='mmpretrain.ResizeEdge', scale=256, edge='short', backend='pillow',
             interpolation='bicubic'),
        dict(type='mmpretrain.CenterCrop', crop_size=224),
        dict(type='mmpretrain.PackInputs'),
    ])
robustness_evaluator = dict(_delete_=True, type='mimbench.SubsetAccuracy')
