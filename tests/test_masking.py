"""Mask generators: exact ratio and cell size (simmim.txt Sec. 3.1, mae.txt Sec. 3), AvgDist (Sec. 4.1.2)."""
import math

import numpy as np
import pytest
import torch

from mimbench.models import masking


def test_mae_shuffle_keeps_exact_count_and_restores_order():
    ids_keep, ids_restore, mask = masking.random_token_shuffle(6, 196, 0.75)
    assert ids_keep.shape == (6, 49)                                    # 25% of 196 visible, mae.txt Sec. 3
    assert torch.all(mask.sum(1) == 147)
    # visible tokens are exactly those with mask 0, and ids_restore inverts the shuffle
    for i in range(6):
        assert set(ids_keep[i].tolist()) == set(torch.nonzero(mask[i] == 0).flatten().tolist())
        shuffled = torch.arange(196)[torch.argsort(ids_restore[i])]
        assert torch.equal(shuffled[ids_restore[i]], torch.arange(196))
    # per-sample masks differ (random per sample, not shared across the batch)
    assert len({tuple(m.tolist()) for m in mask}) == 6


@pytest.mark.parametrize('input_size,mask_patch,model_patch,ratio', [(192, 32, 4, 0.6), (224, 32, 16, 0.6),
                                                                     (64, 32, 4, 0.5)])
def test_cell_mask_ratio_and_cell_size_exact(input_size, mask_patch, model_patch, ratio):
    mask = masking.random_cell_mask(5, input_size, mask_patch, model_patch, ratio)
    side = input_size // model_patch
    assert mask.shape == (5, side, side)
    cells = (input_size // mask_patch) ** 2
    scale = mask_patch // model_patch
    pooled = mask.view(5, side // scale, scale, side // scale, scale)
    # every 32x32 cell is either fully masked or fully visible
    assert torch.all(pooled.amin(dim=(2, 4)) == pooled.amax(dim=(2, 4)))
    assert torch.all(pooled.amax(dim=(2, 4)).flatten(1).sum(1) == math.ceil(cells * ratio))


def test_cell_mask_rejects_non_dividing_sizes():
    with pytest.raises(ValueError, match='multiple'):
        masking.random_cell_mask(1, 200, 32, 4, 0.6)


def test_avg_dist_known_values():
    # a single masked pixel next to visible ones: distance 1
    m = np.zeros((5, 5), dtype=int)
    m[2, 2] = 1
    assert masking.avg_dist(m) == pytest.approx(1.0)
    # a 3x3 masked block: 8 border pixels at distance 1, centre at 2
    m = np.zeros((7, 7), dtype=int)
    m[2:5, 2:5] = 1
    assert masking.avg_dist(m) == pytest.approx((8 * 1 + 2) / 9)
    with pytest.raises(ValueError, match='visible'):
        masking.avg_dist(np.ones((4, 4)))


def test_avg_dist_grows_with_cell_size_and_ratio():
    """simmim.txt Fig. 3a: larger masked patches and higher ratios give larger AvgDist; 32 px at 0.6 lies in
    the paper's good range [10, 20]."""
    torch.manual_seed(0)

    def cell(size, ratio):
        return masking.generator_avg_dist(
            lambda: masking.upsample_mask(masking.random_cell_mask(4, 192, size, 4, ratio), 4), num_batches=2)

    d8, d32, d64 = cell(8, 0.6), cell(32, 0.6), cell(64, 0.6)
    assert d8 < d32 < d64
    assert cell(32, 0.3) < d32 < cell(32, 0.9)
    assert 10 <= d32 <= 20
    square = masking.generator_avg_dist(lambda: masking.square_mask(4, 192, 0.6), num_batches=1)
    block = masking.generator_avg_dist(
        lambda: masking.upsample_mask(masking.blockwise_mask(4, 192, 16, 0.6), 16), num_batches=1)
    assert square > d32 and block > d8
