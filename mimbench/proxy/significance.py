"""Δ vs random init with a 95% interval and a p-value, from per-image outcomes of both encoders.

Both encoders are evaluated on the same validation images under the same seeds, so the comparison is paired
over images. For a task metric ``metric(images)`` (top-1, mIoU, box AP: averaged over the seeds, each seed's
metric computed on the chosen images):

- Δ = metric_pretrained(all images) - metric_random(all images);
- interval: paired bootstrap over images (the same resampled images for both encoders and every seed),
  ``scipy.stats.bootstrap`` (BCa; percentile for detection, whose metric is slow);
- p-value: two-sided paired permutation test (``scipy.stats.permutation_test``, ``permutation_type='samples'``):
  under "pre-training makes no difference" the two encoders' outcomes on an image are exchangeable, so each
  image's pair is swapped at random. With one seed and top-1 this is McNemar's test in permutation form.

The interval covers the variation from the choice of validation images given these trained models; the
spread across seeds is reported next to it (the per-seed Δ range).
"""
from __future__ import annotations

import warnings
from typing import Callable

import numpy as np
from scipy import stats


def paired_difference(metric: Callable[[int, np.ndarray], float], n_images: int, resamples: int = 999,
                      seed: int = 0, method: str = 'BCa') -> dict[str, float]:
    """Δ, its 95% interval and p-value for ``metric(arm, images)`` (arm 0 = pre-trained, 1 = random).

    ``metric(arm, idx)`` is the task metric of one encoder on validation images ``idx`` (an int array, with
    repeats under the bootstrap). Returns ``dict(delta, ci_low, ci_high, p_value)``.
    """
    rng = np.random.default_rng(seed)
    images = np.arange(n_images)

    def delta(idx, axis=-1):
        return metric(0, idx) - metric(1, idx)

    # the permutation test sees two "samples": image i of the pre-trained arm is 2i, of the random arm 2i+1;
    # swapping a pair swaps the arms on that image
    def swapped(a, b, axis=-1):
        return _mixed(metric, a) - _mixed(metric, b)

    observed = delta(images)
    with warnings.catch_warnings():   # scipy warns before returning NaN for a degenerate BCa; handled below
        warnings.simplefilter('ignore', RuntimeWarning)
        warnings.simplefilter('ignore', getattr(stats, 'DegenerateDataWarning', RuntimeWarning))
        ci = stats.bootstrap((images,), delta, vectorized=False, n_resamples=resamples, method=method,
                             confidence_level=0.95, random_state=rng)
    perm = stats.permutation_test((2 * images, 2 * images + 1), swapped, permutation_type='samples',
                                  vectorized=False, n_resamples=resamples, alternative='two-sided',
                                  random_state=rng)
    low, high = ci.confidence_interval
    if not (np.isfinite(low) and np.isfinite(high)):   # BCa is undefined when every resample gives one value
        low, high = np.percentile(ci.bootstrap_distribution, [2.5, 97.5])
    return dict(delta=float(observed), ci_low=float(low), ci_high=float(high), p_value=float(perm.pvalue))


def _mixed(metric, codes: np.ndarray) -> float:
    """``metric`` on images ``codes // 2``, each taken from arm ``codes % 2``."""
    return metric(codes % 2, codes // 2)
