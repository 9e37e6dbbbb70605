"""CiM's enhancer objectives, RESPIX and REVDET, with their linear prediction heads (cim.txt Sec. 2.2).

- RESPIX (cim.txt Sec. 2.2, Fig. 3-4, Table 6): regress *all* pixels of the original image from the
  corrupted one; the target is normalised in a *sliding* 8x8 window ("each pixel is normalized by all pixels
  in a local 8x8 sized window centered at where the target pixel lives in"); loss "a combination of l1 and
  l2" (Sec. 2.3), weighted 10 (Table 9).
- REVDET (cim.txt Sec. 2.2): for *each* visual token, was it replaced? A position is "replaced" when the
  token fed to the decoder differs from the golden token there, so a sample that happens to equal the
  golden token counts as original. Binary cross-entropy over all tokens (Sec. 2.3), weight 1 (Table 9).

"The prediction head is a simple linear layer" (cim.txt Sec. 2.2): both heads are one 1x1 convolution on the
enhancer's last feature map [N, C, h, w] (ViT patch tokens at stride 16, ResNet stage 4 at stride 32)
followed by a pixel shuffle, i.e. a linear map from every output location to the pixels (RESPIX) or token
logits (REVDET) it covers (the SimMIM-style linear decoder; simmim.txt Sec. 3.1).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import nn

from mimbench.registry import MODELS


def sliding_window_normalize(images: torch.Tensor, window: int = 8, eps: float = 1e-6
                             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Normalise each pixel by the mean and std of the ``window`` x ``window`` pixels around it (RESPIX).

    cim.txt Sec. 2.2 / Fig. 4 / Table 6. Per channel; for an even window the pixel sits at offset
    ``window // 2`` (rows/columns ``i - 4 .. i + 3`` for 8). At the borders the window is cut to the pixels
    inside the image (no padding counted). Std as MAE's normalised target: ``sqrt(var + eps)``
    (mae.txt Sec. 3 "Reconstruction target"), with the biased variance of the window.

    Args:
        images: [N, C, H, W].
    Returns:
        (target [N, C, H, W], mean [N, C, H, W], std [N, C, H, W]); ``images = target * std + mean``.
    """
    h, w = images.shape[-2:]
    pad = window // 2
    x = images.float()

    def local_mean(t: torch.Tensor) -> torch.Tensor:
        pooled = F.avg_pool2d(t, window, stride=1, padding=pad, count_include_pad=False)
        return pooled[..., :h, :w]                                     # window i-pad .. i+window-1-pad

    mean = local_mean(x)
    var = (local_mean(x * x) - mean * mean).clamp_min(0)
    std = (var + eps).sqrt()
    return (x - mean) / std, mean, std


def patch_normalize(images: torch.Tensor, patch: int = 16, eps: float = 1e-6) -> torch.Tensor:
    """MAE's per-patch normalised pixels (mae.txt Sec. 3), the "non-overlap window" row of cim.txt Table 6.

    Every ``patch`` x ``patch`` patch is normalised by the mean and (unbiased) variance of all its pixels and
    channels, as MAE's target. Returns [N, C, H, W].
    """
    n, c, h, w = images.shape
    x = images.float().reshape(n, c, h // patch, patch, w // patch, patch).permute(0, 2, 4, 1, 3, 5)
    x = x.reshape(n, h // patch, w // patch, -1)                                       # [N, h, w, C*p*p]
    x = (x - x.mean(-1, keepdim=True)) / (x.var(-1, keepdim=True) + eps).sqrt()
    x = x.reshape(n, h // patch, w // patch, c, patch, patch).permute(0, 3, 1, 4, 2, 5)
    return x.reshape(n, c, h, w)


TARGETS = ('sliding', 'patch', 'none')


def respix_target(images: torch.Tensor, norm: str = 'sliding', window: int = 8,
                  patch: int = 16) -> torch.Tensor:
    """RESPIX target [N, C, H, W] for the three rows of cim.txt Table 6.

    'sliding' (the paper's, 8x8 sliding window), 'patch' (MAE's non-overlapping patches), 'none' (the input
    pixels as they come from the data preprocessor).
    """
    if norm == 'sliding':
        return sliding_window_normalize(images, window)[0]
    if norm == 'patch':
        return patch_normalize(images, patch)
    if norm == 'none':
        return images.float()
    raise ValueError(f'RESPIX target normalisation must be one of {TARGETS} (cim.txt Table 6), got {norm!r}')


def respix_denormalize(pred: torch.Tensor, images: torch.Tensor, norm: str = 'sliding', window: int = 8,
                       patch: int = 16) -> torch.Tensor:
    """A RESPIX prediction back in the pixel space of ``images``, with the original's statistics (for figures;
    cim.txt footnote 1: "we have to inject the original image's information in order to visualize")."""
    if norm == 'sliding':
        _, mean, std = sliding_window_normalize(images, window)
        return pred.float() * std + mean
    if norm == 'patch':
        n, c, h, w = images.shape
        cells = images.float().reshape(n, c, h // patch, patch, w // patch, patch)
        mean = cells.mean((1, 3, 5), keepdim=True)
        std = (cells.var((1, 3, 5), keepdim=True) + 1e-6).sqrt()
        return (pred.float().reshape(cells.shape) * std + mean).reshape(n, c, h, w)
    return pred.float()


def respix_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """l1 + l2 (mean squared) over all pixels and channels (cim.txt Sec. 2.3); pred, target: [N, 3, H, W]."""
    if pred.shape != target.shape:
        raise ValueError(f'RESPIX prediction {tuple(pred.shape)} and target {tuple(target.shape)} differ')
    pred = pred.float()
    return F.l1_loss(pred, target) + F.mse_loss(pred, target)


def revdet_labels(corrupted_ids: torch.Tensor, golden_ids: torch.Tensor) -> torch.Tensor:
    """1.0 where the decoder's token differs from the golden token, else 0.0 (cim.txt Sec. 2.2); [N, L]."""
    return (corrupted_ids != golden_ids).float()


def revdet_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy over all tokens (cim.txt Sec. 2.3); logits, labels: [N, L]."""
    return F.binary_cross_entropy_with_logits(logits.float(), labels)


class _LinearShuffleHead(BaseModule):
    """1x1 conv (a linear layer per location) + pixel shuffle: [N, C, h, w] -> [N, out, h*r, w*r]."""

    def __init__(self, in_channels: int, upscale: int, out_channels: int):
        super().__init__()
        self.upscale, self.out_channels = upscale, out_channels
        self.proj = nn.Conv2d(in_channels, out_channels * upscale ** 2, kernel_size=1)

    def forward(self, feat: torch.Tensor) -> torch.Tensor:
        return F.pixel_shuffle(self.proj(feat), self.upscale)


@MODELS.register_module()
class CiMPixelHead(_LinearShuffleHead):
    """RESPIX head: feature map [N, C, H/s, W/s] -> pixels [N, 3, H, W] (``stride`` s = 16 ViT, 32 ResNet)."""

    def __init__(self, in_channels: int, stride: int):
        super().__init__(in_channels, stride, 3)


@MODELS.register_module()
class CiMTokenDetectionHead(_LinearShuffleHead):
    """REVDET head: feature map [N, C, H/s, W/s] -> one logit per visual token [N, L] (``token_size`` px).

    ``stride / token_size`` logits per side come from each location: 1 for ViT/16, 2x2 for ResNet-50
    (stride 32).
    """

    def __init__(self, in_channels: int, stride: int, token_size: int = 16):
        if stride % token_size:
            raise ValueError(f'feature stride {stride} must be a multiple of the token size {token_size}')
        super().__init__(in_channels, stride // token_size, 1)

    def forward(self, feat: torch.Tensor) -> torch.Tensor:
        return super().forward(feat).flatten(1)                        # [N, h*w], row-major as the tokens
