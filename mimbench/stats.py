"""Error bars and tests for benchmark numbers: intervals over images and seeds, paired tests, verdicts.

A benchmark number has two sources of noise: the finite validation set (another sample of images would give
another number) and training randomness (another seed would). Per-image outcomes (:mod:`mimbench.samples`)
let the first be measured after the fact; several seeds (``mimbench evaluate --seeds 0,1,2``) the second.
All resampling and all tests are scipy's (``scipy.stats.bootstrap``, ``binomtest``, ``t``); this module only
says what is resampled and how the parts are combined:

**One run** -- a 95% percentile bootstrap interval over images: the validation images are drawn with
replacement, the metric (top-1, mIoU, COCO AP) recomputed from the per-image outcomes of the drawn images
(an image drawn twice counts twice), 1,000 times.

**Several runs of one setting** (seeds; all evaluated on the same images) -- the reported value is the mean
over runs, m = mean(m_s). Its variance has an image part and a seed part. The image part is shared by the
runs, since they see the same images: one bootstrap draws the images once per replicate *for all runs* and
recomputes the mean over runs, and its variance v_img is the image part. The seed part is the spread of the
runs, s^2 / k (s^2 the sample variance of the k run values). The interval is m +- t(0.975, nu) * sqrt(v_img +
s^2/k) with nu = (v_img + s^2/k)^2 (k - 1) / (s^2/k)^2 (Welch-Satterthwaite, the bootstrap part taken as
known). s^2 also holds the image noise that differs between runs, so the interval errs on the wide side.

**Two encoders on the same task** (:func:`paired_difference`) -- delta = m_A - m_B. The joint bootstrap draws
the same images for A and B (a *paired* bootstrap: image difficulty cancels), giving the image part of
Var(delta); the seed part is s_p^2 (1/k_A + 1/k_B) with s_p^2 the pooled run variance (sides with >= 2 runs).
With one run per side the interval is the paired bootstrap's percentile interval and the p-value the
two-sided bootstrap p-value, 2 min(#(delta* <= 0) + 1, #(delta* >= 0) + 1) / (B + 1), about the smallest
level whose percentile interval excludes 0; for top-1 accuracy it is McNemar's exact test instead (a binomial
test on the images exactly one encoder gets right). With seeds, interval and p-value come from the t
distribution above.

**Reproduction verdict** (:func:`verdict`) -- a paper's number is ``within`` or ``outside`` the interval of
mimbench's value, or there is ``no interval`` (no per-sample outcomes).

Bootstrap draws are seeded (``seed``), so a leaderboard regenerates byte-identical.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import stats as sps

CONFIDENCE = 0.95
N_RESAMPLES = 1000
_BATCH_ELEMENTS = 2_000_000   # resampled indices per scipy batch (memory bound)


@dataclass
class Interval:
    """A value with its interval. ``method``: 'bootstrap' (one run) or 'bootstrap+seeds' (several)."""
    value: float
    low: float
    high: float
    runs: int
    images: int
    method: str
    se_images: float | None = None
    se_seeds: float | None = None
    df: float | None = None


@dataclass
class Difference:
    """delta = A - B with its interval and two-sided p-value; ``test`` names where the p-value comes from:
    'paired bootstrap', 'McNemar' or 't (bootstrap+seeds)'."""
    metric: str
    a: float
    b: float
    delta: float
    low: float
    high: float
    p_value: float
    test: str
    runs_a: int
    runs_b: int
    images: int
    p_bootstrap: float | None = None


def alignment(reference: np.ndarray, ids: np.ndarray) -> np.ndarray | None:
    """Column order mapping ``reference``'s image order to ``ids``' (None when identical); ValueError when
    the two runs were evaluated on different images."""
    if np.array_equal(reference, ids):
        return None
    index = {v: i for i, v in enumerate(np.asarray(reference).tolist())}
    same = len(index) == len(reference) == len(ids) and all(v in index for v in ids.tolist())
    if not same:
        raise ValueError(f'runs were evaluated on different images ({len(reference)} vs {len(ids)} images, '
                         'or other identifiers); only runs on the same validation set can be combined or '
                         'paired')
    return np.array([index[v] for v in np.asarray(ids).tolist()])


def resample_counts(indices: np.ndarray, n: int) -> np.ndarray:
    """How often each of ``n`` images occurs in each row of resampled ``indices`` (B, n): (B, n) counts."""
    indices = np.atleast_2d(indices)
    rows = indices.shape[0]
    flat = (indices + n * np.arange(rows)[:, None]).ravel()
    return np.bincount(flat, minlength=rows * n).reshape(rows, n)


def _runs_values(runs, orders, metric: str, counts: np.ndarray) -> np.ndarray:
    """(k, B) metric values of each run under the resampling ``counts`` (B, n) in the reference order."""
    return np.stack([run.values(metric, counts if order is None else counts[:, order])
                     for run, order in zip(runs, orders)])


def _bootstrap(statistic, n: int, n_resamples: int, confidence: float, seed: int):
    """scipy.stats.bootstrap over the ``n`` image indices with a vectorised ``statistic(counts (B, n))``."""
    def over_indices(indices, axis=-1):
        return statistic(resample_counts(np.asarray(indices, dtype=np.int64), n))

    batch = max(1, min(n_resamples, _BATCH_ELEMENTS // max(n, 1)))
    return sps.bootstrap((np.arange(n),), over_indices, vectorized=True, n_resamples=n_resamples, batch=batch,
                         method='percentile', confidence_level=confidence,
                         random_state=np.random.default_rng(seed))


def _prepare(runs: Sequence, reference_ids: np.ndarray | None = None):
    if not runs:
        raise ValueError('no runs given')
    reference = runs[0].ids if reference_ids is None else reference_ids
    return reference, [alignment(reference, run.ids) for run in runs]


def _t_interval(center: float, v_images: float, v_seeds: float, df_seeds: int, confidence: float):
    """center +- t * sqrt(v_images + v_seeds), Welch-Satterthwaite df (the bootstrap part taken as known)."""
    total = v_images + v_seeds
    df = math.inf if v_seeds == 0 else total ** 2 * df_seeds / v_seeds ** 2
    quantile = sps.norm.ppf(0.5 + confidence / 2) if math.isinf(df) else sps.t.ppf(0.5 + confidence / 2, df)
    half = quantile * math.sqrt(total)
    return float(center - half), float(center + half), float(df)


def metric_interval(runs: Sequence, metric: str, confidence: float = CONFIDENCE,
                    n_resamples: int = N_RESAMPLES, seed: int = 0) -> Interval:
    """The interval of the mean of ``metric`` over ``runs`` (outcomes of one setting; module docstring)."""
    reference, orders = _prepare(runs)
    n, k = len(reference), len(runs)
    ones = np.ones((1, n))
    values = _runs_values(runs, orders, metric, ones)[:, 0]
    result = _bootstrap(lambda counts: _runs_values(runs, orders, metric, counts).mean(axis=0), n,
                        n_resamples, confidence, seed)
    se_images = float(result.standard_error)
    if k == 1:
        ci = result.confidence_interval
        return Interval(float(values[0]), float(ci.low), float(ci.high), 1, n, 'bootstrap', se_images)
    v_seeds = float(np.var(values, ddof=1)) / k
    low, high, df = _t_interval(float(values.mean()), se_images ** 2, v_seeds, k - 1, confidence)
    return Interval(float(values.mean()), low, high, k, n, 'bootstrap+seeds', se_images, math.sqrt(v_seeds),
                    df)


def mcnemar(a, b, k: int = 1) -> tuple[int, int, float]:
    """McNemar's exact test of top-``k`` accuracy of two classification outcomes on the same images:
    ``(A right & B wrong, A wrong & B right, two-sided p)``; p = 1 when no image is discordant."""
    order = alignment(a.ids, b.ids)
    right_a = a.correct(k)
    right_b = b.correct(k) if order is None else b.correct(k)[np.argsort(order)]
    only_a = int(np.count_nonzero(right_a & ~right_b))
    only_b = int(np.count_nonzero(~right_a & right_b))
    if only_a + only_b == 0:
        return only_a, only_b, 1.0
    return only_a, only_b, float(sps.binomtest(only_a, only_a + only_b, 0.5).pvalue)


def paired_difference(runs_a: Sequence, runs_b: Sequence, metric: str, confidence: float = CONFIDENCE,
                      n_resamples: int = N_RESAMPLES, seed: int = 0) -> Difference:
    """delta = mean over A's runs - mean over B's runs of ``metric`` on the same images (module docstring)."""
    reference, orders_a = _prepare(runs_a)
    _, orders_b = _prepare(runs_b, reference)
    n, ka, kb = len(reference), len(runs_a), len(runs_b)
    ones = np.ones((1, n))
    values_a = _runs_values(runs_a, orders_a, metric, ones)[:, 0]
    values_b = _runs_values(runs_b, orders_b, metric, ones)[:, 0]
    delta = float(values_a.mean() - values_b.mean())

    def statistic(counts):
        return (_runs_values(runs_a, orders_a, metric, counts).mean(axis=0)
                - _runs_values(runs_b, orders_b, metric, counts).mean(axis=0))

    result = _bootstrap(statistic, n, n_resamples, confidence, seed)
    draws = result.bootstrap_distribution   # (count + 1) / (B + 1): never 0 from finitely many draws
    tail = min(np.count_nonzero(draws <= 0), np.count_nonzero(draws >= 0))
    p_boot = float(min(1.0, 2 * (tail + 1) / (len(draws) + 1)))
    common = dict(metric=metric, a=float(values_a.mean()), b=float(values_b.mean()), delta=delta, runs_a=ka,
                  runs_b=kb, images=n, p_bootstrap=p_boot)
    pooled_df = (ka - 1) + (kb - 1)
    if pooled_df == 0:
        ci = result.confidence_interval
        low, high = float(ci.low), float(ci.high)
        if metric in ('top1', 'linear', 'top5') and hasattr(runs_a[0], 'correct'):
            k = 5 if runs_a[0].aliases.get(metric, metric) == 'top5' else 1
            p_value = mcnemar(runs_a[0], runs_b[0], k)[2]
            return Difference(low=low, high=high, p_value=p_value, test='McNemar', **common)
        return Difference(low=low, high=high, p_value=p_boot, test='paired bootstrap', **common)
    squares = sum(float(np.var(v, ddof=1)) * (len(v) - 1) for v in (values_a, values_b) if len(v) > 1)
    v_seeds = squares / pooled_df * (1 / ka + 1 / kb)
    v_images = float(result.standard_error) ** 2
    low, high, df = _t_interval(delta, v_images, v_seeds, pooled_df, confidence)
    se = math.sqrt(v_images + v_seeds)
    if se == 0:
        p_value = 1.0 if delta == 0 else 0.0
    else:
        tail = sps.norm.sf(abs(delta) / se) if math.isinf(df) else sps.t.sf(abs(delta) / se, df)
        p_value = float(2 * tail)
    return Difference(low=low, high=high, p_value=min(1.0, p_value), test='t (bootstrap+seeds)', **common)


def verdict(paper: float | None, low: float | None, high: float | None) -> str | None:
    """'within' / 'outside' the interval [low, high], 'no interval', or None without a paper value."""
    if paper is None or (isinstance(paper, float) and math.isnan(paper)):
        return None
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return 'no interval'
    return 'within' if low <= paper <= high else 'outside'
