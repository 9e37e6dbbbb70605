"""Resizing position information of a pre-trained encoder to a downstream resolution or window.

Pre-training runs at 224² (MAE, mae.txt A.1) or 192² (SimMIM Swin, simmim.txt Sec. 4.1), while detection
(1024², mae.txt A.3), segmentation (512², mae.txt A.4) and some fine-tunings use other sizes and windows.

- Absolute position embeddings ``[1, E + H*W, D]`` (E extra tokens such as cls) are resized bicubically on
  their 2-D grid, extra tokens kept, as MAE's ``interpolate_pos_embed`` does (mae pos_embed.py).
- Relative position bias tables ``[(2*Wh-1) * (2*Ww-1), nH]`` are resized per head as a 2-D map, either
  ``'bicubic'`` (official Swin, mmpretrain) or ``'geometric'``: SimMIM's fine-tuning code (utils.py,
  ``remap_pretrained_keys_swin``) places the source offsets on a geometric progression, stretched so that
  the table's half-width reaches the target's, and fits a cubic spline through them (scipy ``interp2d``,
  re-implemented with ``RectBivariateSpline``, which fits the same gridded spline). That is how SimMIM's
  Swin goes from its 192² pre-training window 6 to window 7 (224²) or 14 (simmim.txt Sec. 4.1, C.1).
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F


def _square_side(n: int) -> int | None:
    side = math.isqrt(n)
    return side if side * side == n else None


def resize_pos_embed(pos_embed: torch.Tensor, dst_grid: tuple[int, int], num_extra_tokens: int,
                     src_grid: tuple[int, int] | None = None) -> torch.Tensor:
    """Resize ``pos_embed`` [1, E + Hs*Ws, D] -> [1, E + Hd*Wd, D] (bicubic, extra tokens unchanged).

    ``src_grid`` defaults to the square grid that the token count implies.
    """
    if pos_embed.ndim != 3:
        raise ValueError(f'expected a position embedding of shape [1, L, D], found {tuple(pos_embed.shape)}')
    _, length, dims = pos_embed.shape
    if src_grid is None:
        side = _square_side(length - num_extra_tokens)
        if side is None:
            raise ValueError(f'position embedding has {length} tokens, not {num_extra_tokens} extra + a '
                             'square grid; pass src_grid=(H, W)')
        src_grid = (side, side)
    if tuple(src_grid) == tuple(dst_grid):
        return pos_embed
    extra, grid = pos_embed[:, :num_extra_tokens], pos_embed[:, num_extra_tokens:]
    grid = grid.reshape(1, src_grid[0], src_grid[1], dims).permute(0, 3, 1, 2)  # [1, D, Hs, Ws]
    grid = F.interpolate(grid.float(), size=tuple(dst_grid), mode='bicubic', align_corners=False)
    grid = grid.permute(0, 2, 3, 1).reshape(1, dst_grid[0] * dst_grid[1], dims).to(pos_embed.dtype)
    return torch.cat([extra, grid], dim=1)


REL_POS_MODES = ('bicubic', 'geometric')


def geometric_offsets(src_side: int, dst_side: int) -> tuple[list[float], list[float]]:
    """SimMIM's coordinates: source offsets on a geometric progression whose half-width reaches the target's.

    Returns ``(source coordinates [src_side], target coordinates [dst_side])`` (both symmetric about 0).
    """
    def progression_sum(ratio: float, n: int) -> float:
        return (1.0 - ratio ** n) / (1.0 - ratio)

    low, high = 1.01, 1.5  # bisection for the ratio, as in SimMIM
    while high - low > 1e-6:
        ratio = (low + high) / 2.0
        if progression_sum(ratio, src_side // 2) > dst_side // 2:
            high = ratio
        else:
            low = ratio
    offsets, position = [], 1.0
    for i in range(src_side // 2):
        offsets.append(position)
        position += ratio ** (i + 1)
    source = [-o for o in reversed(offsets)] + [0.0] + offsets
    half = dst_side // 2
    target = [float(v) for v in range(-half, half + 1)]
    return source, target


def resize_rel_pos_table(table: torch.Tensor, dst_window: tuple[int, int],
                         mode: str = 'bicubic') -> torch.Tensor:
    """Resize a relative position bias table [(2Hs-1)(2Ws-1), nH] -> [(2Hd-1)(2Wd-1), nH].

    ``mode``: ``'bicubic'`` or ``'geometric'`` (SimMIM, square windows only); see the module docstring.
    """
    if table.ndim != 2:
        raise ValueError(f'expected a relative position bias table [L, heads], found {tuple(table.shape)}')
    if mode not in REL_POS_MODES:
        raise ValueError(f'unknown relative position resize mode {mode!r}; expected one of {REL_POS_MODES}')
    length, heads = table.shape
    side = _square_side(length)
    if side is None:
        raise ValueError(f'relative position table has {length} rows, not (2*W-1)^2 for a square window W')
    dst = (2 * dst_window[0] - 1, 2 * dst_window[1] - 1)
    if dst == (side, side):
        return table
    if mode == 'geometric':
        if dst[0] != dst[1]:
            raise ValueError(f'geometric resizing (SimMIM) needs a square target window, got {dst_window}')
        from scipy.interpolate import RectBivariateSpline
        source, target = geometric_offsets(side, dst[0])
        maps = table.detach().float().cpu().numpy().T.reshape(heads, side, side)  # [nH, rows, cols]
        out = [RectBivariateSpline(source, source, m, kx=3, ky=3, s=0)(target, target) for m in maps]
        resized = torch.as_tensor(np.stack(out), dtype=torch.float32)  # [nH, 2Hd-1, 2Wd-1]
        return resized.reshape(heads, -1).T.contiguous().to(table.dtype).to(table.device)
    grid = table.T.reshape(1, heads, side, side)  # [1, nH, 2Ws-1, 2Ws-1]
    grid = F.interpolate(grid.float(), size=dst, mode='bicubic', align_corners=False)
    return grid.reshape(heads, dst[0] * dst[1]).T.contiguous().to(table.dtype)


def _window_of_table(rows: int) -> tuple[int, int]:
    side = _square_side(rows)
    if side is None or side % 2 == 0:
        raise ValueError(f'relative position table with {rows} rows is not (2*W-1)^2 for a square window')
    return ((side + 1) // 2, (side + 1) // 2)


def _extra_rows(rows: int) -> int | None:
    """0 for a Swin-style table ``(2W-1)^2``, 3 for a BEiT/SimMIM ViT table ``(2W-1)^2 + 3`` (its last rows
    are cls-to-token, token-to-cls and cls-to-cls), None otherwise."""
    for extra in (0, 3):
        side = _square_side(rows - extra)
        if side is not None and side % 2 == 1 and side > 1:
            return extra
    return None


def resize_rel_pos_table_with_extra(table: torch.Tensor, rows: int, mode: str) -> torch.Tensor:
    """Resize a table to ``rows`` rows, keeping its cls rows (the last 3 of a BEiT table) unchanged, as
    SimMIM's ``remap_pretrained_keys_vit`` and mmpretrain's BEiTViT do."""
    extra, target_extra = _extra_rows(table.shape[0]), _extra_rows(rows)
    if extra is None or extra != target_extra:
        raise ValueError(f'cannot resize a relative position table of {table.shape[0]} rows to {rows}: '
                         'expected (2*W-1)^2 rows (Swin) or (2*W-1)^2 + 3 (BEiT/SimMIM ViT) on both sides')
    grid, cls_rows = (table[:-extra], table[-extra:]) if extra else (table, table[:0])
    resized = resize_rel_pos_table(grid, _window_of_table(rows - extra), mode)
    return torch.cat([resized, cls_rows.to(resized.dtype)], dim=0)


def fit_to_model(state: dict[str, torch.Tensor], model_state: dict[str, torch.Tensor],
                 num_extra_tokens: int = 1, grid: tuple[int, int] | None = None,
                 rel_pos_mode: str = 'bicubic') -> dict[str, tuple[tuple[int, ...], tuple[int, ...]]]:
    """Resize, in place, the position tensors of ``state`` whose shape differs from ``model_state``'s.

    Handles keys ending in ``pos_embed`` (ViT, with ``num_extra_tokens`` cls-like tokens; Swin/MixMIM's
    ``absolute_pos_embed`` has none; ``grid`` is the ViT's patch grid, square if not given) and
    ``relative_position_bias_table`` (Swin's, or BEiT's with 3 cls rows). Returns ``{key: (old, new)}``
    shapes. Any other shape mismatch is left for the loader to report.
    """
    resized = {}
    for key, value in list(state.items()):
        target = model_state.get(key)
        if target is None or target.shape == value.shape:
            continue
        if key.endswith('pos_embed'):
            extra = 0 if key.endswith('absolute_pos_embed') else num_extra_tokens
            dst = tuple(grid) if grid is not None and extra == num_extra_tokens else None
            if dst is None or dst[0] * dst[1] != target.shape[1] - extra:
                side = _square_side(target.shape[1] - extra)
                if side is None:
                    continue
                dst = (side, side)
            state[key] = resize_pos_embed(value, dst, extra)
        elif key.endswith('relative_position_bias_table') and value.shape[1] == target.shape[1]:
            state[key] = resize_rel_pos_table_with_extra(value, target.shape[0], rel_pos_mode)
        else:
            continue
        resized[key] = (tuple(value.shape), tuple(state[key].shape))
    return resized
