"""Metrics of the robustness evaluation (mae.txt Appendix C, Table 13): ImageNet-C mCE, 200-class top-1.

- ``mimbench.MeanCorruptionError``: Hendrycks & Dietterich (ICLR 2019), Sec. 4: for each corruption c, the
  top-1 errors E over the five severities s are summed and divided by AlexNet's,
  CE_c = sum_s E_{s,c} / sum_s E^AlexNet_{s,c}; the mCE is the mean of CE_c over the 15 corruptions.
  Reported in percent, as mae.txt Table 13 prints it (AlexNet scores 100; lower is better).
- ``mimbench.SubsetAccuracy``: top-1 of a 1000-way classifier on ImageNet-A/-R, whose images belong to 200
  of the classes: as the datasets' authors evaluate (github.com/hendrycks/natural-adv-examples and
  /imagenet-r), only the logits of those 200 classes are kept and the prediction is their argmax. The kept
  outputs come from the dataset (``metainfo['output_indices']``, mimbench.datasets.robustness).
"""
from __future__ import annotations

from typing import Sequence

import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from mimbench.datasets.robustness import CORRUPTIONS, SEVERITIES
from mimbench.registry import METRICS

# AlexNet's top-1 error on ImageNet-C per corruption and severity 1..5, the normaliser of the mCE.
# Source: AlexNet (torchvision alexnet-owt-4df8aa71) evaluated by Hendrycks & Dietterich's ImageNet-C/test.py
# (github.com/hendrycks/robustness); per-severity values as transcribed in timm's validation utilities
# (`imagenetc_alexnet_error_rates_list`, bits_and_tpu branch). Their means per corruption equal the
# `ALEXNET_ERR` list of google-research/augmix imagenet.py ("Raw AlexNet errors taken from
# https://github.com/hendrycks/robustness"): 0.886428 (gaussian_noise) ... 0.606500 (jpeg_compression);
# tests/test_robustness.py checks that the two transcriptions agree.
ALEXNET_ERRORS = {
    'gaussian_noise': (0.69528, 0.82542, 0.93554, 0.98138, 0.99452),
    'shot_noise': (0.71224, 0.85108, 0.93574, 0.98182, 0.99146),
    'impulse_noise': (0.78374, 0.89808, 0.94870, 0.98720, 0.99548),
    'defocus_blur': (0.65624, 0.73202, 0.85036, 0.91364, 0.94714),
    'glass_blur': (0.64308, 0.75054, 0.88806, 0.91622, 0.93344),
    'motion_blur': (0.58430, 0.70048, 0.82108, 0.89750, 0.92638),
    'zoom_blur': (0.70008, 0.76992, 0.80784, 0.84198, 0.87198),
    'snow': (0.71726, 0.88392, 0.86468, 0.91870, 0.94952),
    'frost': (0.61390, 0.79734, 0.88790, 0.89942, 0.93430),
    'fog': (0.67474, 0.76050, 0.84378, 0.87260, 0.94500),
    'brightness': (0.45140, 0.48502, 0.54048, 0.62166, 0.72440),
    'contrast': (0.64548, 0.76150, 0.88874, 0.97760, 0.99270),
    'elastic_transform': (0.52596, 0.70116, 0.55686, 0.64076, 0.80554),
    'pixelate': (0.52218, 0.54620, 0.73728, 0.87092, 0.91262),
    'jpeg_compression': (0.51002, 0.54718, 0.57294, 0.65458, 0.74778),
}


def corruption_errors(errors: dict[tuple[str, int], float],
                      reference: dict[str, Sequence[float]] = ALEXNET_ERRORS) -> dict[str, float]:
    """CE per corruption (a ratio; 1.0 = AlexNet's): ``errors`` maps (corruption, severity) to a top-1 error
    in [0, 1]. Raises ValueError unless every corruption given has all five severities."""
    out = {}
    for corruption in dict.fromkeys(c for c, _ in errors):
        if corruption not in reference:
            raise ValueError(f'no AlexNet reference error for corruption {corruption!r}; the mCE is defined '
                             f'over {", ".join(reference)}')
        missing = [s for s in SEVERITIES if (corruption, s) not in errors]
        if missing:
            raise ValueError(f'{corruption}: no images of severity {missing}; the CE sums all five')
        out[corruption] = (sum(errors[corruption, s] for s in SEVERITIES)
                           / sum(reference[corruption][s - 1] for s in SEVERITIES))
    return out


def mean_corruption_error(errors: dict[tuple[str, int], float],
                          reference: dict[str, Sequence[float]] = ALEXNET_ERRORS,
                          corruptions: Sequence[str] = CORRUPTIONS) -> float:
    """mCE in percent over ``corruptions`` (default the benchmark's 15; each must be in ``errors``)."""
    ce = corruption_errors(errors, reference)
    absent = [c for c in corruptions if c not in ce]
    if absent:
        raise ValueError(f'no images of corruption(s) {", ".join(absent)}; the mCE averages all '
                         f'{len(corruptions)} (Hendrycks & Dietterich 2019)')
    return 100.0 * sum(ce[c] for c in corruptions) / len(corruptions)


def _predicted(data_sample: dict, keep: Sequence[int] | None = None) -> int:
    score = data_sample.get('pred_score')
    if score is None:
        if keep is not None:
            raise ValueError('restricting the prediction to a class subset needs pred_score (the logits or '
                             'probabilities of every class); the model gave only pred_label')
        return int(data_sample['pred_label'])
    score = torch.as_tensor(score)
    if keep is None:
        return int(score.argmax())
    return int(keep[int(score[list(keep)].argmax())])


def _label(data_sample: dict) -> int:
    return int(torch.as_tensor(data_sample['gt_label']).reshape(-1)[0])


@METRICS.register_module()
class MeanCorruptionError(BaseMetric):
    """ImageNet-C mCE (module docstring): keys ``corruption/mCE`` (percent) and ``corruption/<c>`` (each
    corruption's CE in percent of AlexNet's), plus the mean top-1 error ``corruption/error``.

    Needs ``corruption`` and ``severity`` in every data sample's metainfo (``mimbench.ImageNetC`` and the
    ``PackInputs`` ``meta_keys`` of the robustness configs). The mCE is computed only over the 15
    corruptions of the benchmark with all five severities; anything less raises instead of reporting a
    number that is not comparable.
    """

    default_prefix = 'corruption'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'corruption' not in sample or 'severity' not in sample:
                raise KeyError('data sample has no corruption/severity; give the test pipeline\'s '
                               "PackInputs meta_keys=(..., 'corruption', 'severity') and read the data "
                               'with mimbench.ImageNetC')
            correct = _predicted(sample) == _label(sample)
            self.results.append((sample['corruption'], int(sample['severity']), correct))

    def compute_metrics(self, results: list) -> dict[str, float]:
        totals: dict[tuple[str, int], list[int]] = {}
        for corruption, severity, correct in results:
            count = totals.setdefault((corruption, severity), [0, 0])
            count[0] += int(correct)
            count[1] += 1
        errors = {key: 1.0 - right / seen for key, (right, seen) in totals.items()}
        ce = corruption_errors({k: v for k, v in errors.items() if k[0] in CORRUPTIONS})
        out = {'mCE': mean_corruption_error(errors)}
        out.update({c: 100.0 * ce[c] for c in CORRUPTIONS})
        out['error'] = 100.0 * sum(errors.values()) / len(errors)
        print_log('ImageNet-C CE per corruption (% of AlexNet): '
                  + ', '.join(f'{c} {100 * ce[c]:.1f}' for c in CORRUPTIONS), logger='current')
        return out


@METRICS.register_module()
class SubsetAccuracy(BaseMetric):
    """Top-1 (percent, key ``accuracy/top1``) with the prediction restricted to ``dataset_meta
    ['output_indices']`` when the dataset names a class subset; labels are positions in that subset."""

    default_prefix = 'accuracy'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        keep = (self.dataset_meta or {}).get('output_indices')
        for sample in data_samples:
            predicted = _predicted(sample, keep)
            label = _label(sample)
            self.results.append(int((keep[label] if keep is not None else label) == predicted))

    def compute_metrics(self, results: list) -> dict[str, float]:
        return {'top1': 100.0 * sum(results) / len(results)}
