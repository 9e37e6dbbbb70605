"""Mask generators of the four pre-training methods and SimMIM's AvgDist measure for any of them.

Convention: a mask holds 1 where a position is *masked* (hidden from the encoder) and 0 where it is visible,
as in mmpretrain's MAE/SimMIM code.

- MAE (mae.txt Sec. 3 "Masking"): per-sample random shuffle of the patch tokens, the first
  ``int(L * (1 - ratio))`` kept (``random_token_shuffle``).
- SimMIM (simmim.txt Sec. 3.1, 4.1.2): random masking of square cells of ``mask_patch_size`` pixels
  (32 px by default) at ratio 0.6; ``ceil(ratio * cells)`` cells are masked, as the official code
  (``random_cell_mask``). MixMIM's 32x32 cell mask at ratio 0.5 (mixmim.txt Sec. 2.2) and CiM's random
  token mask (cim.txt Sec. 2) are the same generator with other arguments.
- Square (context-encoder style) and block-wise (BEiT) masks, the other strategies of simmim.txt Table 1,
  are here so AvgDist can compare them (Fig. 3a).
- The ablations: MAE's block-wise and grid-wise sampling (mae.txt Table 1f, Fig. 6) as token masks with an
  exact count (``block_token_mask``, ``grid_token_mask``; ``shuffle_from_mask`` turns any of them into MAE's
  keep/restore indices), and SimMIM's square / block-wise / random masking of ``mask_patch_size`` cells
  (simmim.txt Table 1) as the pipeline transform ``mimbench.CellMaskGenerator``.

AvgDist (simmim.txt Sec. 4.1.2, Fig. 3): "the averaged Euclidean distance of masked pixels to the nearest
visible ones", computed on the pixel-resolution mask with an exact Euclidean distance transform.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from scipy import ndimage

from mimbench.registry import TRANSFORMS


def random_token_shuffle(batch_size: int, num_tokens: int, mask_ratio: float, device=None,
                         generator: torch.Generator | None = None
                         ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """MAE's per-sample random masking by shuffling (mae.txt Sec. 3 "Masking", "MAE encoder").

    Each sample gets its own uniform random permutation of its ``num_tokens`` patches; the first
    ``int(num_tokens * (1 - mask_ratio))`` are kept (49 of 196 at 75%).

    Returns:
        ids_keep: [N, K] indices of the visible tokens, in shuffled order.
        ids_restore: [N, L] inverse permutation (``shuffled[ids_restore] == original order``).
        mask: [N, L] float, 1 = masked, 0 = visible, in the original token order.
    """
    if not 0.0 <= mask_ratio < 1.0:
        raise ValueError(f'mask_ratio must be in [0, 1) (MAE keeps at least one token), got {mask_ratio}')
    num_keep = int(num_tokens * (1 - mask_ratio))
    noise = torch.rand(batch_size, num_tokens, device=device, generator=generator)  # [N, L]
    ids_shuffle = torch.argsort(noise, dim=1)                                       # small noise = keep
    ids_restore = torch.argsort(ids_shuffle, dim=1)
    ids_keep = ids_shuffle[:, :num_keep]                                            # [N, K]
    mask = torch.ones(batch_size, num_tokens, device=device)
    mask[:, :num_keep] = 0
    mask = torch.gather(mask, 1, ids_restore)                                       # back to original order
    return ids_keep, ids_restore, mask


def random_cell_mask(batch_size: int, input_size: int, mask_patch_size: int = 32, model_patch_size: int = 4,
                     mask_ratio: float = 0.6, generator: torch.Generator | None = None) -> torch.Tensor:
    """SimMIM's random masking of ``mask_patch_size`` cells, returned at the model's token resolution.

    simmim.txt Sec. 3.1 / 4.1.2: "random masking ... patch size of 32x32 and a mask ratio of 0.6". The image
    is divided into ``(input_size / mask_patch_size)**2`` cells and ``ceil(ratio * cells)`` of them,
    chosen uniformly per sample, are masked (22 of 36 at 192 px; official code rounds up too).

    Returns:
        mask: [N, H/model_patch_size, W/model_patch_size] long, 1 = masked token.
    """
    if input_size % mask_patch_size or mask_patch_size % model_patch_size:
        raise ValueError(f'input_size ({input_size}) must be a multiple of mask_patch_size '
                         f'({mask_patch_size}) '
                         f'and mask_patch_size a multiple of model_patch_size ({model_patch_size})')
    cells_per_side = input_size // mask_patch_size
    num_cells = cells_per_side ** 2
    num_masked = int(math.ceil(num_cells * mask_ratio))
    order = torch.rand(batch_size, num_cells, generator=generator).argsort(dim=1)   # [N, cells]
    cells = torch.zeros(batch_size, num_cells, dtype=torch.long)
    cells.scatter_(1, order[:, :num_masked], 1)
    scale = mask_patch_size // model_patch_size
    cells = cells.view(batch_size, cells_per_side, cells_per_side)
    return cells.repeat_interleave(scale, 1).repeat_interleave(scale, 2)           # [N, h, w]


def square_mask(batch_size: int, input_size: int, mask_ratio: float,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """One randomly placed square of area ``mask_ratio`` per image, in pixels (simmim.txt Table 1 "square").

    Returns:
        mask: [N, H, W] long, 1 = masked pixel.
    """
    side = int(round(input_size * math.sqrt(mask_ratio)))
    mask = torch.zeros(batch_size, input_size, input_size, dtype=torch.long)
    starts = torch.randint(0, input_size - side + 1, (batch_size, 2), generator=generator)
    for i, (y, x) in enumerate(starts.tolist()):
        mask[i, y:y + side, x:x + side] = 1
    return mask


def beit_block_mask(grid: int | tuple[int, int], num_masked: int, min_block: int = 4,
                    min_aspect: float = 0.3) -> np.ndarray:
    """BEiT's block-wise masking of about ``num_masked`` of ``grid`` (``(h, w)`` or a side) tokens (BEiT's
    Algorithm 1 as its official code runs it): rectangles of at least ``min_block`` tokens and aspect ratio
    in [``min_aspect``, 1 / ``min_aspect``] are masked until the count is reached, stopping when ten draws in a
    row add nothing (so the count can fall short on a small grid; mmpretrain's ``BEiTMaskGenerator`` dropped
    that stop and can loop forever there). numpy's global RNG, as BEiT's and mmpretrain's code.

    Returns:
        mask: [h, w] int64, 1 = masked.
    """
    rows, cols = (grid, grid) if isinstance(grid, int) else grid
    mask = np.zeros((rows, cols), dtype=np.int64)
    log_aspect = (math.log(min_aspect), -math.log(min_aspect))
    count = 0
    while count < num_masked:
        budget, added = num_masked - count, 0
        for _ in range(10):
            area = np.random.uniform(min_block, budget)   # BEiT's draw (between the two if budget is smaller)
            aspect = math.exp(np.random.uniform(*log_aspect))
            h, w = int(round(math.sqrt(area * aspect))), int(round(math.sqrt(area / aspect)))
            if 0 < h < rows and 0 < w < cols:
                top, left = np.random.randint(0, rows - h + 1), np.random.randint(0, cols - w + 1)
                new = h * w - int(mask[top:top + h, left:left + w].sum())
                if 0 < new <= budget:
                    mask[top:top + h, left:left + w] = 1
                    added = new
                    break
        if not added:
            break
        count += added
    return mask


def blockwise_mask(batch_size: int, input_size: int, patch_size: int, mask_ratio: float) -> torch.Tensor:
    """BEiT's block-wise masking at ``mask_ratio`` of the tokens (simmim.txt Table 1 "block-wise"), minimum
    block of 4 tokens (``beit_block_mask``).

    Returns:
        mask: [N, H/patch_size, W/patch_size] long, 1 = masked token.
    """
    side = input_size // patch_size
    count = int(round(mask_ratio * side * side))
    return torch.stack([torch.as_tensor(beit_block_mask(side, count)) for _ in range(batch_size)])


def shuffle_from_mask(mask: torch.Tensor, generator: torch.Generator | None = None
                      ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """MAE's keep/restore indices for a given token mask (the same outputs as ``random_token_shuffle``).

    Visible tokens come first (in random order), then the masked ones, so the encoder can gather the first
    ``K`` tokens of every sample; every row must mask the same number of tokens.

    Args:
        mask: [N, L], 1 = masked.
    Returns:
        ids_keep [N, K], ids_restore [N, L], mask [N, L] float.
    """
    counts = mask.sum(1)
    if not torch.all(counts == counts[0]):
        raise ValueError(f'every sample must mask the same number of tokens, got {counts.tolist()}')
    noise = torch.rand(mask.shape, device=mask.device, generator=generator)
    ids_shuffle = torch.argsort(mask.float() * 2 + noise, dim=1)                     # visible first
    ids_restore = torch.argsort(ids_shuffle, dim=1)
    num_keep = mask.shape[1] - int(counts[0])
    return ids_shuffle[:, :num_keep], ids_restore, mask.float()


def block_token_mask(batch_size: int, grid: int, num_masked: int, min_block: int = 16,
                     generator: torch.Generator | None = None) -> torch.Tensor:
    """BEiT's block-wise masking of exactly ``num_masked`` of ``grid x grid`` tokens (mae.txt Table 1f).

    Blocks as BEiT draws them (``beit_block_mask``: minimum block of 16 tokens). When the draws end short of
    the count (they can, at 75%), random further tokens are masked: MAE's encoder needs the same number of
    visible tokens in every sample.

    Returns:
        mask: [N, grid * grid] float, 1 = masked.
    """
    masks = torch.stack([torch.as_tensor(beit_block_mask(grid, num_masked, min(min_block, num_masked)),
                                         dtype=torch.float32).flatten() for _ in range(batch_size)])
    for row in masks:
        short = num_masked - int(row.sum())
        if short > 0:
            free = torch.nonzero(row == 0).flatten()
            row[free[torch.randperm(len(free), generator=generator)[:short]]] = 1
    return masks


def grid_token_mask(batch_size: int, grid: int) -> torch.Tensor:
    """Grid-wise sampling: keep one of every four tokens, the top-left of each 2x2 cell (mae.txt Table 1f,
    Fig. 6 right, "regularly keeps one of every four patches"), the same for every image: 75% masked.

    Returns:
        mask: [N, grid * grid] float, 1 = masked.
    """
    if grid % 2:
        raise ValueError(f'grid-wise sampling keeps one token per 2x2 cell; the token grid ({grid}) must be '
                         'even')
    keep = torch.zeros(grid, grid)
    keep[::2, ::2] = 1
    return (1 - keep).flatten().expand(batch_size, -1).clone()


def square_cell_mask(batch_size: int, input_size: int, mask_patch_size: int, model_patch_size: int,
                     mask_ratio: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """One random square of ``k x k`` cells per image, ``k = round(sqrt(ratio * cells))`` (simmim.txt Table 1
    "square": 2x2, 3x3 and 4x4 cells of 32 px at 192 px are ratios 0.11, 0.25 and 0.44).

    Returns:
        mask: [N, H/model_patch_size, W/model_patch_size] long, 1 = masked token.
    """
    cells = input_size // mask_patch_size
    side = max(1, min(cells, int(round(math.sqrt(mask_ratio * cells * cells)))))
    out = torch.zeros(batch_size, cells, cells, dtype=torch.long)
    starts = torch.randint(0, cells - side + 1, (batch_size, 2), generator=generator)
    for i, (y, x) in enumerate(starts.tolist()):
        out[i, y:y + side, x:x + side] = 1
    return upsample_mask(out, mask_patch_size // model_patch_size)


def block_cell_mask(batch_size: int, input_size: int, mask_patch_size: int, model_patch_size: int,
                    mask_ratio: float) -> torch.Tensor:
    """BEiT's block-wise masking on the grid of ``mask_patch_size`` cells (simmim.txt Table 1 "block-wise").

    BEiT's minimum block is 16 of 14 x 14 tokens; on other grids it is scaled by the number of cells
    (12 x 12 cells of 16 px: 12; 6 x 6 cells of 32 px: 3), an interpretation: the paper gives no sizes.

    Returns:
        mask: [N, H/model_patch_size, W/model_patch_size] long, 1 = masked token.
    """
    cells = input_size // mask_patch_size
    num_masked = int(math.ceil(mask_ratio * cells * cells))
    min_block = max(1, round(16 * cells * cells / 196))
    out = torch.stack([torch.as_tensor(beit_block_mask(cells, num_masked, min_block))
                       for _ in range(batch_size)])
    return upsample_mask(out, mask_patch_size // model_patch_size)


CELL_STRATEGIES = {'random': random_cell_mask, 'square': square_cell_mask, 'block': block_cell_mask}


@TRANSFORMS.register_module()
class CellMaskGenerator(BaseTransform):
    """Pipeline transform: SimMIM's mask over ``mask_patch_size`` cells by one of the strategies of
    simmim.txt Table 1 ('random', the default; 'square'; 'block' for BEiT's block-wise), stored in
    ``results['mask']`` at the model's token resolution ([H/model_patch_size, W/model_patch_size], 1 =
    masked) as ``mmpretrain.SimMIMMaskGenerator`` does; ``mmpretrain.PackInputs`` packs it.

    Args:
        input_size: image size in pixels (192).
        mask_patch_size: masked cell size in pixels (4, 8, 16, 32 or 64 in Table 1).
        model_patch_size: the encoder's token size in pixels (4 for Swin).
        mask_ratio: ratio of masked cells (square: k x k cells with k = round(sqrt(ratio * cells))).
        strategy: 'random', 'square' or 'block'.
    """

    def __init__(self, input_size: int = 192, mask_patch_size: int = 32, model_patch_size: int = 4,
                 mask_ratio: float = 0.6, strategy: str = 'random') -> None:
        super().__init__()
        if strategy not in CELL_STRATEGIES:
            raise ValueError(f'strategy must be one of {", ".join(CELL_STRATEGIES)} (simmim.txt Table 1), '
                             f'got {strategy!r}')
        if input_size % mask_patch_size or mask_patch_size % model_patch_size:
            raise ValueError(f'input_size ({input_size}) must be a multiple of mask_patch_size '
                             f'({mask_patch_size}) and mask_patch_size a multiple of model_patch_size '
                             f'({model_patch_size})')
        self.input_size, self.mask_patch_size = input_size, mask_patch_size
        self.model_patch_size, self.mask_ratio, self.strategy = model_patch_size, mask_ratio, strategy

    def transform(self, results: dict) -> dict:
        mask = CELL_STRATEGIES[self.strategy](1, self.input_size, self.mask_patch_size, self.model_patch_size,
                                              self.mask_ratio)
        results['mask'] = mask[0].numpy()
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(input_size={self.input_size}, '
                f'mask_patch_size={self.mask_patch_size}, model_patch_size={self.model_patch_size}, '
                f'mask_ratio={self.mask_ratio}, '
                f'strategy={self.strategy!r})')


def upsample_mask(mask: torch.Tensor, scale: int) -> torch.Tensor:
    """Token mask [N, h, w] -> pixel mask [N, h*scale, w*scale] (each token covers scale x scale pixels)."""
    return mask.repeat_interleave(scale, -2).repeat_interleave(scale, -1)


def avg_dist(pixel_mask: torch.Tensor | np.ndarray) -> float:
    """SimMIM's AvgDist: mean Euclidean distance (in pixels) of masked pixels to the nearest visible pixel.

    simmim.txt Sec. 4.1.2 and Fig. 3. Averaged over all masked pixels of all images in the batch.

    Args:
        pixel_mask: [N, H, W] or [H, W], 1 = masked pixel, at image resolution (see ``upsample_mask``).
    """
    masks = np.asarray(pixel_mask.cpu() if isinstance(pixel_mask, torch.Tensor) else pixel_mask).astype(bool)
    if masks.ndim == 2:
        masks = masks[None]
    if masks.ndim != 3:
        raise ValueError(f'expected a pixel mask [N, H, W] or [H, W], got shape {masks.shape}')
    distances = []
    for m in masks:
        if m.all():
            raise ValueError('a mask hides every pixel: AvgDist needs at least one visible pixel')
        # distance_transform_edt gives, for every non-zero (masked) pixel, the distance to the nearest zero.
        distances.append(ndimage.distance_transform_edt(m)[m])
    values = np.concatenate(distances)
    return float(values.mean()) if values.size else 0.0


def generator_avg_dist(make_pixel_mask: Callable[[], torch.Tensor], num_batches: int = 4) -> float:
    """AvgDist of a mask generator, averaged over ``num_batches`` draws of ``make_pixel_mask()`` ([N, H, W]).

    Example (SimMIM default, simmim.txt Fig. 3a):
        ``generator_avg_dist(lambda: upsample_mask(random_cell_mask(8, 192, 32, 4, 0.6), 4))``
    """
    return float(np.mean([avg_dist(make_pixel_mask()) for _ in range(num_batches)]))
