"""SimMIM's prediction heads and targets as ablated in simmim.txt Tables 2-5 and 13 (Sec. 4.1.3-4.1.5).

The default, a linear layer to the 192² RGB image with l1 on the masked pixels, stays mmpretrain's
(``SimMIMLinearDecoder`` + ``SimMIMHead``). The alternatives, each chosen in a config:

- heads (Table 2): ``SimMIMDecoder`` with ``hidden_channels`` (the 2-layer MLP) and ``InverseSwinDecoder``
  (inverse Swin-T / Swin-B: Swin stages in reverse order, upsampling between them);
- prediction resolution (Table 3): a decoder with a smaller output stride predicts a smaller image
  (``encoder_stride=8``: 48² at 192 px, ``1``: 6²); the heads compare it with the image average-pooled to
  that size, and a predicted pixel counts as masked when any input pixel under it is;
- loss area (Table 4): ``loss_area='full'`` regresses the visible pixels too;
- targets (Tables 5, 13): ``SimMIMPixelHead`` (l1, l2, smooth-l1), ``SimMIMBinHead`` (each RGB channel
  discretised into equal bins, classified), ``SimMIMClusterHead`` (iGPT's 512 colour clusters),
  ``SimMIMTokenHead`` (BEiT's DALL-E dVAE tokens).

Every head has ``loss(pred, target, mask)`` like ``mmpretrain.SimMIMHead``: ``pred`` [N, C, h, w] at the
prediction resolution, ``target`` the preprocessed images [N, 3, H, W], ``mask`` [N, H/p, W/p] at the
encoder's token resolution (p = ``patch_size``, 1 = masked).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.model import BaseModule
from mmpretrain.models.backbones.swin_transformer import SwinBlockSequence
from torch import nn

from mimbench.registry import MODELS

IMAGENET_MEAN = (123.675, 116.28, 103.53)   # the data preprocessor's (RGB, 0-255)
IMAGENET_STD = (58.395, 57.12, 57.375)


def prediction_mask(mask: torch.Tensor, patch_size: int, size: tuple[int, int]) -> torch.Tensor:
    """Token mask [N, H/p, W/p] -> mask [N, 1, h, w] at the prediction resolution (1 where any input pixel
    under a predicted pixel is masked; exact for the paper's 32-px cells at every resolution of Table 3)."""
    pixels = mask.repeat_interleave(patch_size, 1).repeat_interleave(patch_size, 2).unsqueeze(1).float()
    if pixels.shape[-2:] == tuple(size):
        return pixels
    return F.adaptive_max_pool2d(pixels, size)


def resize_target(images: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Images [N, C, H, W] average-pooled to the prediction resolution ``size`` (the smaller target image
    of simmim.txt Table 3)."""
    return images if images.shape[-2:] == tuple(size) else F.adaptive_avg_pool2d(images, size)


def _masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``values`` [N, C, h, w] over the positions of ``mask`` [N, 1, h, w] and the C channels."""
    mask = mask.expand_as(values)
    return (values * mask).sum() / mask.sum().clamp_min(1)


class _SimMIMTargetHead(BaseModule):
    """Shared: token patch size, loss area, and the pixel values (0-255) behind the preprocessed images."""

    def __init__(self, patch_size: int, loss_area: str = 'masked', mean=IMAGENET_MEAN, std=IMAGENET_STD,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if loss_area not in ('masked', 'full'):
            raise ValueError(f"loss_area must be 'masked' (prediction, the SimMIM default) or 'full' "
                             f"(prediction and reconstruction, simmim.txt Table 4), got {loss_area!r}")
        self.patch_size, self.loss_area = patch_size, loss_area
        self.register_buffer('mean', torch.tensor(mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer('std', torch.tensor(std).view(1, 3, 1, 1), persistent=False)

    def loss_mask(self, mask: torch.Tensor, size) -> torch.Tensor:
        if self.loss_area == 'full':
            return torch.ones(mask.shape[0], 1, *size, device=mask.device)
        return prediction_mask(mask, self.patch_size, size)

    def pixels(self, target: torch.Tensor, size) -> torch.Tensor:
        """RGB 0-255 [N, 3, h, w] of the preprocessed images, averaged to the prediction resolution."""
        return resize_target(target * self.std + self.mean, size)


@MODELS.register_module()
class SimMIMPixelHead(_SimMIMTargetHead):
    """Regression of the (preprocessed) pixels: l1 (the default), l2 or smooth-l1 (simmim.txt Table 5),
    on masked pixels or the full image (Table 4), at any prediction resolution (Table 3).

    Args:
        patch_size: the encoder's token size in pixels (4 for Swin).
        criterion: 'l1', 'l2' or 'smooth_l1' (``beta``: torch's, in preprocessed pixel units).
        loss_area: 'masked' or 'full'.
    """

    CRITERIA = ('l1', 'l2', 'smooth_l1')

    def __init__(self, patch_size: int, criterion: str = 'l1', loss_area: str = 'masked', beta: float = 1.0,
                 init_cfg=None) -> None:
        super().__init__(patch_size, loss_area, init_cfg=init_cfg)
        if criterion not in self.CRITERIA:
            raise ValueError(f'criterion must be one of {", ".join(self.CRITERIA)} (simmim.txt Table 5), '
                             f'got {criterion!r}')
        self.criterion, self.beta = criterion, beta

    def loss(self, pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        size = pred.shape[-2:]
        target = resize_target(target, size)
        if self.criterion == 'l1':
            error = (pred - target).abs()
        elif self.criterion == 'l2':
            error = (pred - target) ** 2
        else:
            error = F.smooth_l1_loss(pred, target, reduction='none', beta=self.beta)
        return _masked_mean(error, self.loss_mask(mask, size))


@MODELS.register_module()
class SimMIMBinHead(_SimMIMTargetHead):
    """Channel-wise bin colour discretisation (simmim.txt Sec. 3.4, Tables 5 and 13): each of R, G, B is
    split into ``num_bins`` equal bins of 0-255 and classified; ``pred`` holds ``3 * num_bins`` logits per
    pixel (R's bins first). Cross-entropy averaged over the masked pixels and the three channels."""

    def __init__(self, patch_size: int, num_bins: int, loss_area: str = 'masked', mean=IMAGENET_MEAN,
                 std=IMAGENET_STD, init_cfg=None) -> None:
        super().__init__(patch_size, loss_area, mean, std, init_cfg=init_cfg)
        self.num_bins = num_bins

    def target_bins(self, target: torch.Tensor, size) -> torch.Tensor:
        """Bin index [N, 3, h, w] of each channel of each (pooled) pixel."""
        pixels = self.pixels(target, size)
        return (pixels * self.num_bins / 256).floor().clamp(0, self.num_bins - 1).long()

    def loss(self, pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        n, _, h, w = pred.shape
        logits = pred.view(n, 3, self.num_bins, h, w).transpose(1, 2)               # [N, bins, 3, h, w]
        ce = F.cross_entropy(logits, self.target_bins(target, (h, w)), reduction='none')  # [N, 3, h, w]
        return _masked_mean(ce, self.loss_mask(mask, (h, w)))


@MODELS.register_module()
class SimMIMClusterHead(_SimMIMTargetHead):
    """Colour clustering as in iGPT (simmim.txt Sec. 3.4, Table 5 "iGPT cluster"): each pixel is assigned
    to the nearest of iGPT's 512 k-means colour centres and classified.

    Args:
        clusters: iGPT's ``kmeans_centers.npy`` ([512, 3], RGB scaled to [-1, 1]), read in ``init_weights``;
            None keeps random centres (tests only).
        num_clusters: number of centres (512).
    """

    def __init__(self, patch_size: int, clusters: str | None = None, num_clusters: int = 512,
                 loss_area: str = 'masked', mean=IMAGENET_MEAN, std=IMAGENET_STD, init_cfg=None) -> None:
        super().__init__(patch_size, loss_area, mean, std, init_cfg=init_cfg)
        self.clusters = clusters
        self.register_buffer('centers', torch.rand(num_clusters, 3) * 2 - 1)

    def init_weights(self) -> None:
        super().init_weights()
        if self.clusters is None:
            print_log('SimMIMClusterHead: no clusters file given, the colour centres are RANDOM (fine for '
                      'tests, meaningless for pre-training)', logger='current', level=30)
            return
        path = Path(self.clusters)
        if not path.is_file():
            raise FileNotFoundError(f'{path}: iGPT colour clusters not found; expected kmeans_centers.npy of '
                                    f'the iGPT release ([{len(self.centers)}, 3] floats in [-1, 1]); set '
                                    f'model.head.clusters to its path')
        centers = np.load(path, allow_pickle=False)
        if centers.shape != tuple(self.centers.shape):
            raise ValueError(f'{path}: expected colour centres of shape {tuple(self.centers.shape)}, '
                             f'found {centers.shape}')
        self.centers.copy_(torch.as_tensor(centers, dtype=torch.float32))

    def target_ids(self, target: torch.Tensor, size) -> torch.Tensor:
        """Index [N, h, w] of the nearest colour centre of each (pooled) pixel, in iGPT's [-1, 1] scale."""
        colours = (self.pixels(target, size) / 127.5 - 1).permute(0, 2, 3, 1)        # [N, h, w, 3]
        return torch.cdist(colours.reshape(-1, 3), self.centers).argmin(1).view(colours.shape[:3])

    def loss(self, pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        size = pred.shape[-2:]
        ce = F.cross_entropy(pred, self.target_ids(target, size), reduction='none').unsqueeze(1)
        return _masked_mean(ce, self.loss_mask(mask, size))


@MODELS.register_module()
class SimMIMTokenHead(_SimMIMTargetHead):
    """BEiT's target (simmim.txt Sec. 3.4, Table 5 "BEiT"): the DALL-E dVAE token of each predicted
    position, classified. The frozen tokenizer sees the image at 8x the prediction resolution so that it
    emits one token per predicted position (with ``encoder_stride=1``: one per encoder output token, 6 x 6
    at 192 px, as BEiT has one per ViT token; the paper prints no resolution).

    Args:
        tokenizer: config of a tokenizer with ``encode(images01) -> ids`` and ``downsample``
            (``mimbench.DALLETokenizer`` with the release's weight files).
    """

    def __init__(self, patch_size: int, tokenizer: dict, loss_area: str = 'masked', mean=IMAGENET_MEAN,
                 std=IMAGENET_STD, init_cfg=None) -> None:
        super().__init__(patch_size, loss_area, mean, std, init_cfg=init_cfg)
        self.tokenizer = MODELS.build(tokenizer)
        self.tokenizer.requires_grad_(False)

    def train(self, mode: bool = True):
        super().train(mode)
        self.tokenizer.eval()                                                        # frozen
        return self

    @torch.no_grad()
    def target_ids(self, target: torch.Tensor, size) -> torch.Tensor:
        side = tuple(s * self.tokenizer.downsample for s in size)
        images = F.interpolate(self.pixels(target, target.shape[-2:]) / 255, size=side, mode='bilinear',
                               align_corners=False, antialias=True).clamp(0, 1)
        return self.tokenizer.encode(images)                                         # [N, h, w]

    def loss(self, pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        size = pred.shape[-2:]
        ce = F.cross_entropy(pred, self.target_ids(target, size), reduction='none').unsqueeze(1)
        return _masked_mean(ce, self.loss_mask(mask, size))


@MODELS.register_module()
class SimMIMDecoder(BaseModule):
    """Prediction head from the encoder's last feature map: a linear layer (1x1 conv, SimMIM's default) or
    a 2-layer MLP (``hidden_channels``, GELU; simmim.txt Table 2, 90.9M vs. 89.9M parameters with Swin-B
    at hidden 1024), then a pixel shuffle to ``encoder_stride`` x the feature resolution.

    Args:
        in_channels: encoder output channels (1024 for Swin-B).
        encoder_stride: output pixels per feature vector along a side (32: the full 192² image; 8: 48²).
        out_channels: values per output pixel (3 for RGB; 3 x bins, 512 clusters, 8192 tokens).
        hidden_channels: None for the linear head; the MLP's hidden width otherwise.
    """

    def __init__(self, in_channels: int, encoder_stride: int, out_channels: int = 3,
                 hidden_channels: int | None = None, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        width = encoder_stride ** 2 * out_channels
        if hidden_channels is None:
            layers = [nn.Conv2d(in_channels, width, 1)]
        else:
            layers = [nn.Conv2d(in_channels, hidden_channels, 1), nn.GELU(),
                      nn.Conv2d(hidden_channels, width, 1)]
        self.decoder = nn.Sequential(*layers, nn.PixelShuffle(encoder_stride))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(x)                                                       # [N, C, h*s, w*s]


class PatchExpand(nn.Module):
    """2x upsampling between inverse Swin stages: a linear layer to 2x the channels, rearranged into a 2 x 2
    neighbourhood of half the channels, then LayerNorm (the reverse of Swin's patch merging)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.expand = nn.Linear(dim, 2 * dim, bias=False)
        self.norm = nn.LayerNorm(dim // 2)

    def forward(self, x: torch.Tensor, hw: tuple[int, int]) -> tuple[torch.Tensor, tuple[int, int]]:
        n, (h, w) = x.shape[0], hw
        x = self.expand(x).view(n, h, w, 2, 2, -1).permute(0, 1, 3, 2, 4, 5)        # [N, h, 2, w, 2, C/2]
        return self.norm(x.reshape(n, 4 * h * w, -1)), (2 * h, 2 * w)


@MODELS.register_module()
class InverseSwinDecoder(BaseModule):
    """The "inverse Swin-T / Swin-B" prediction heads of simmim.txt Table 2: the stages of Swin-T or Swin-B
    in reverse order (widest and deepest first), 2x upsampling between them (``PatchExpand``) and a linear
    layer to 4 x 4 pixels per token at the end, so the 6 x 6 stage-4 map of a 192-px Swin-B grows back to the
    full image (115.2M / 174.8M parameters with the Swin-B encoder in the paper).

    Args:
        in_channels: encoder output channels (1024 for Swin-B).
        arch: 'tiny' (C=96, depths 2-2-6-2) or 'base' (C=128, depths 2-2-18-2), the Swin being inverted, or
            a dict ``embed_dims``, ``depths``, ``num_heads`` (smaller ones for tests).
        window_size: attention window (6, as the 192-px encoder).
        out_channels: values per output pixel (3 for RGB).
    """

    ARCHS = {'tiny': (96, (2, 2, 6, 2), (3, 6, 12, 24)), 'base': (128, (2, 2, 18, 2), (4, 8, 16, 32))}

    def __init__(self, in_channels: int = 1024, arch: str | dict = 'tiny', window_size: int = 6,
                 out_channels: int = 3, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if isinstance(arch, dict):
            base, depths, heads = arch['embed_dims'], tuple(arch['depths']), tuple(arch['num_heads'])
        elif arch in self.ARCHS:
            base, depths, heads = self.ARCHS[arch]
        else:
            raise ValueError(f'arch must be one of {", ".join(self.ARCHS)} (simmim.txt Table 2) or a '
                             f'dict, got {arch!r}')
        dims = [base * 2 ** i for i in range(4)][::-1]                             # 8C, 4C, 2C, C
        self.proj = nn.Linear(in_channels, dims[0])
        self.stages = nn.ModuleList(
            SwinBlockSequence(embed_dims=d, depth=n, num_heads=h, window_size=window_size, downsample=False,
                              pad_small_map=True)
            for d, n, h in zip(dims, depths[::-1], heads[::-1]))
        self.expands = nn.ModuleList(PatchExpand(d) for d in dims[:-1])
        self.norm = nn.LayerNorm(dims[-1])
        self.pred = nn.Linear(dims[-1], 16 * out_channels)                           # 4 x 4 pixels per token
        self.out_channels = out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        tokens, hw = self.proj(x.flatten(2).transpose(1, 2)), (h, w)                 # [N, h*w, 8C]
        for i, stage in enumerate(self.stages):
            tokens, hw = stage(tokens, hw)
            if i < len(self.expands):
                tokens, hw = self.expands[i](tokens, hw)
        pixels = self.pred(self.norm(tokens)).transpose(1, 2).reshape(n, 16 * self.out_channels, *hw)
        return F.pixel_shuffle(pixels, 4)                                            # [N, C, 32h, 32w]
