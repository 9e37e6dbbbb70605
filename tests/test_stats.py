"""mimbench.stats against known cases: identical runs (delta 0, p 1), planted differences (detected), interval
coverage on synthetic data whose truth is known, pairing by image id, and the reproduction verdict."""
from __future__ import annotations

import numpy as np
import pytest

from mimbench import stats
from mimbench.samples import ClassificationOutcomes, SegmentationOutcomes


def classification(correct: np.ndarray, ids=None) -> ClassificationOutcomes:
    """Outcomes whose top-1 is right exactly where ``correct`` is True (10 classes)."""
    n = len(correct)
    target = np.arange(n) % 10
    top = np.stack([(target + 1 + j) % 10 for j in range(5)], axis=1)
    top[correct, 0] = target[correct]
    return ClassificationOutcomes(topk=top, target=target, ids=np.arange(n) if ids is None else ids,
                                  aliases={'top1': 'top1', 'top5': 'top5'})


def segmentation(rng, n: int, quality: float) -> SegmentationOutcomes:
    """Random per-image pixel counts over 8 classes; ``quality`` is the fraction of label pixels hit."""
    label = rng.integers(0, 400, (n, 8)) * (rng.random((n, 8)) < 0.5)
    intersect = np.floor(label * np.clip(quality + 0.1 * rng.standard_normal((n, 8)), 0, 1)).astype(int)
    pred = intersect + rng.integers(0, 60, (n, 8)) * (label > 0)
    return SegmentationOutcomes(intersect=intersect, pred=pred, label=label, ids=np.arange(n))


def test_identical_runs_give_zero_difference_and_p_one():
    rng = np.random.default_rng(0)
    a = classification(rng.random(500) < 0.7)
    d = stats.paired_difference([a], [a], 'top1', n_resamples=200)
    assert (d.delta, d.low, d.high, d.p_value, d.test) == (0.0, 0.0, 0.0, 1.0, 'McNemar')
    assert d.p_bootstrap == 1.0
    seg = segmentation(rng, 200, 0.6)
    d = stats.paired_difference([seg], [seg], 'miou', n_resamples=200)
    assert (d.delta, d.low, d.high, d.p_value, d.test) == (0.0, 0.0, 0.0, 1.0, 'paired bootstrap')
    d = stats.paired_difference([seg, seg], [seg, seg], 'miou', n_resamples=200)   # seeds: the t test
    assert (d.delta, d.low, d.high, d.p_value) == (0.0, 0.0, 0.0, 1.0) and d.test == 't (bootstrap+seeds)'


def test_planted_difference_is_detected_and_a_null_one_is_not():
    rng = np.random.default_rng(1)
    base = rng.random(2000) < 0.6
    better = base | (rng.random(2000) < 0.1)          # ~4 points more right, on the same images
    d = stats.paired_difference([classification(better)], [classification(base)], 'top1', n_resamples=500)
    assert d.p_value < 1e-6 and d.test == 'McNemar' and d.low > 0 and d.delta == pytest.approx(
        100 * (better.mean() - base.mean()))
    same_rate = rng.random(2000) < 0.6                 # another encoder of equal accuracy: no detection
    d = stats.paired_difference([classification(same_rate)], [classification(base)], 'top1', n_resamples=500)
    assert d.p_value > 0.05 and d.low < 0 < d.high
    good, bad = segmentation(rng, 300, 0.7), segmentation(np.random.default_rng(2), 300, 0.5)
    d = stats.paired_difference([good], [bad], 'miou', n_resamples=500)
    assert d.delta > 5 and d.low > 0 and d.p_value < 0.01 and d.test == 'paired bootstrap'


def test_mcnemar_counts_the_discordant_images():
    a = classification(np.array([True, True, False, False, True]))
    b = classification(np.array([True, False, True, False, False]))
    only_a, only_b, p = stats.mcnemar(a, b)
    assert (only_a, only_b) == (2, 1) and p == 1.0   # binomial(2 of 3, 0.5): two-sided p = 1


def test_bootstrap_interval_covers_the_truth_about_95_percent():
    """200 validation sets of 400 images from a classifier of known accuracy 70%: the one-run bootstrap
    interval holds 70 in about 95% of them (binomial noise on 200 trials: 0.90-0.99)."""
    rng = np.random.default_rng(3)
    hits = sum(
        (lambda i: i.low <= 70.0 <= i.high)(
            stats.metric_interval([classification(rng.random(400) < 0.7)], 'top1', n_resamples=300, seed=s))
        for s in range(200))
    assert 0.90 <= hits / 200 <= 0.99, hits


def test_seed_and_image_noise_combine_to_cover_the_truth():
    """Three seeds of a setting whose runs differ by training noise (sd 2 points of accuracy) on one shared
    validation set: the combined interval covers the true mean accuracy (over seeds and images) in about 95%
    of 150 repeats; the image-only interval of a single run misses it far more often (seed noise ignored)."""
    rng = np.random.default_rng(4)
    combined, image_only = 0, 0
    for repeat in range(150):
        difficulty = rng.random(600)                       # the sampled validation set
        runs = [classification(difficulty < 0.7 + 0.02 * rng.standard_normal()) for _ in range(3)]
        interval = stats.metric_interval(runs, 'top1', n_resamples=200, seed=repeat)
        assert interval.method == 'bootstrap+seeds' and interval.runs == 3
        combined += interval.low <= 70.0 <= interval.high
        one = stats.metric_interval(runs[:1], 'top1', n_resamples=200, seed=repeat)
        image_only += one.low <= 70.0 <= one.high
    assert 0.90 <= combined / 150 <= 0.99, combined     # measured 0.97
    assert image_only / 150 < 0.88, image_only          # measured 0.82


def test_runs_pair_by_image_id_and_refuse_other_images():
    rng = np.random.default_rng(5)
    correct = rng.random(100) < 0.5
    ids = np.array([f'img{i:03d}.jpg' for i in range(100)])
    a = classification(correct, ids)
    perm = rng.permutation(100)
    shuffled = ClassificationOutcomes(topk=a.topk[perm], target=a.target[perm], ids=ids[perm],
                                      aliases=a.aliases)
    d = stats.paired_difference([a], [shuffled], 'top1', n_resamples=100)
    assert d.delta == 0.0 and d.p_value == 1.0
    other = classification(correct, np.array([f'other{i}.jpg' for i in range(100)]))
    with pytest.raises(ValueError, match='different images'):
        stats.paired_difference([a], [other], 'top1', n_resamples=100)


def test_intervals_are_reproducible_and_verdicts_read_them():
    a = classification(np.random.default_rng(6).random(300) < 0.8)
    one, two = (stats.metric_interval([a], 'top1', n_resamples=200, seed=7) for _ in range(2))
    assert one == two and one.low < one.value < one.high
    assert stats.verdict(one.value, one.low, one.high) == 'within'
    assert stats.verdict(one.high + 1, one.low, one.high) == 'outside'
    assert stats.verdict(80.0, None, None) == 'no interval' and stats.verdict(None, 1, 2) is None
