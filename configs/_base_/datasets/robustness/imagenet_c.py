# ImageNet-C test data (Hendrycks & Dietterich, ICLR 2019) for the robustness evaluation of mae.txt Appendix
# C / Table 13: the in1k fine-tuned classifier, with no further training, on 15 corruptions x 5 severities
# of the 50,000 val images (224 px). Metric: mean corruption error normalised by AlexNet's errors
# (mimbench.MeanCorruptionError; lower is better).
# Layout: <root>/<corruption>/<severity 1-5>/<wnid>/*.JPEG
#   (check it: `mimbench data check --task imagenet-c --root DIR`)
# A robustness config inherits its backbone's in1k fine-tuning config and this file and sets
#   test_dataloader = dict(dataset=_base_.robustness_dataset)
#   test_evaluator = _base_.robustness_evaluator
# (names that differ from the in1k config's: mmengine forbids a key in two bases).
test_only = True   # `mimbench train` only tests (runner.test()) the classifier given as load_from
robustness_dataset = dict(
    _delete_=True, type='mimbench.ImageNetC', data_root='data/imagenet-c',
    pipeline=[
        dict(type='mmpretrain.LoadImageFromFile'),
        # the images are 224 px crops already: Hendrycks' ImageNet-C/test.py only center-crops
        dict(type='mmpretrain.CenterCrop', crop_size=224),
        dict(type='mmpretrain.PackInputs',   # corruption/severity: the mCE groups the errors by them
             meta_keys=('sample_idx', 'img_path', 'ori_shape', 'img_shape', 'corruption', 'severity')),
    ])
robustness_evaluator = dict(_delete_=True, type='mimbench.MeanCorruptionError')
