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

AvgDist (simmim.txt Sec. 4.1.2, Fig. 3): "the averaged Euclidean distance of masked pixels to the nearest
visible ones", computed on the pixel-resolution mask with an exact Euclidean distance transform.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch
from scipy import ndimage


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


def blockwise_mask(batch_size: int, input_size: int, patch_size: int, mask_ratio: float) -> torch.Tensor:
    """BEiT's block-wise masking at ``mask_ratio`` of the tokens (simmim.txt Table 1 "block-wise"), using
    mmpretrain's ``BEiTMaskGenerator`` (numpy's global RNG).

    Returns:
        mask: [N, H/patch_size, W/patch_size] long, 1 = masked token.
    """
    from mmpretrain.datasets.transforms import BEiTMaskGenerator
    side = input_size // patch_size
    generator = BEiTMaskGenerator(input_size=side, num_masking_patches=int(round(mask_ratio * side * side)),
                                  min_num_patches=4)
    return torch.stack([torch.as_tensor(generator.transform({})['mask'], dtype=torch.long)
                        for _ in range(batch_size)])


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
