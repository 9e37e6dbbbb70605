"""MAE's other reconstruction targets, ablated in mae.txt Table 1d (Sec. 4.1 "Reconstruction target").

The pixel targets (with or without per-patch normalisation: ``MAEPretrainHead.norm_pix``) are mmpretrain's.
This module adds the two others, each a head with MAE's ``loss(pred, images, mask)``:

- ``MAEPCAHead``: "we perform PCA in the patch space and use the largest PCA coefficients (96 here) as the
  target"; the decoder predicts 96 numbers per patch (``predict_feature_dim=96``), MSE on masked patches.
- ``MAETokenHead``: "the DALLE pre-trained dVAE as the tokenizer, following [BEiT] ... the MAE decoder
  predicts the token indices using cross-entropy loss" (``predict_feature_dim=8192``), on masked patches.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmengine import dist
from mmengine.model import BaseModule
from mmpretrain.models.heads import MAEPretrainHead

from mimbench.registry import MODELS

IMAGENET_MEAN = (123.675, 116.28, 103.53)   # the data preprocessor's (RGB, 0-255)
IMAGENET_STD = (58.395, 57.12, 57.375)


@MODELS.register_module()
class MAEPCAHead(MAEPretrainHead):
    """The PCA target of mae.txt Table 1d: the largest ``num_components`` PCA coefficients of each patch.

    The principal axes are the leading eigenvectors of the covariance of all patches (in the data
    preprocessor's pixel space, unnormalised per patch, as Table 1's base). The paper does not say which
    patches; here they are estimated once, from the first training batch (every patch of every image,
    summed over the processes of a distributed run so that all ranks share the axes: 4096 images x 196
    patches at full scale), and kept as buffers so checkpoints and resumed runs reuse them.

    Args:
        loss: the reconstruction loss (MSE on masked patches, as MAE's pixel targets).
        num_components: PCA coefficients predicted per patch (96, mae.txt Sec. 4.1).
        patch_size: the ViT patch size.
    """

    def __init__(self, loss: dict, num_components: int = 96, patch_size: int = 16) -> None:
        super().__init__(loss=loss, norm_pix=False, patch_size=patch_size)
        dim = patch_size ** 2 * 3
        if not 0 < num_components <= dim:
            raise ValueError(f'num_components must be in [1, {dim}] for {patch_size}-px patches, '
                             f'got {num_components}')
        self.register_buffer('pca_mean', torch.zeros(dim))
        self.register_buffer('pca_axes', torch.zeros(num_components, dim))          # rows: largest first
        self.register_buffer('fitted', torch.zeros((), dtype=torch.bool))

    @torch.no_grad()
    def fit(self, patches: torch.Tensor) -> None:
        """Set the axes from patches [N, L, D] (and those of every other process)."""
        flat = patches.reshape(-1, patches.shape[-1]).double()
        stats = torch.cat([flat.sum(0), (flat.T @ flat).flatten(), flat.new_tensor([len(flat)])])
        if dist.is_distributed():
            dist.all_reduce(stats, op='sum')
        dim = flat.shape[1]
        count = stats[-1]
        mean = stats[:dim] / count
        covariance = stats[dim:-1].view(dim, dim) / count - torch.outer(mean, mean)
        _, vectors = torch.linalg.eigh(covariance)                                   # ascending eigenvalues
        axes = vectors[:, -len(self.pca_axes):].flip(1).T                             # [K, D], largest first
        # a deterministic sign: each axis points towards its largest-magnitude coordinate
        signs = torch.sign(axes.gather(1, axes.abs().argmax(1, keepdim=True)))
        self.pca_axes.copy_((axes * signs).float())
        self.pca_mean.copy_(mean.float())
        self.fitted.fill_(True)

    def construct_target(self, target: torch.Tensor) -> torch.Tensor:
        """Images [N, 3, H, W] -> PCA coefficients [N, L, num_components] of their patches."""
        patches = self.patchify(target)
        if not bool(self.fitted):
            self.fit(patches)
        return (patches - self.pca_mean) @ self.pca_axes.T


@MODELS.register_module()
class MAETokenHead(BaseModule):
    """The dVAE-token target of mae.txt Table 1d and Table 7: cross-entropy of each masked patch's DALL-E
    token, which the frozen tokenizer computes from the image at ``patch grid x 8`` pixels so that it emits
    one token per patch (112 px for 224-px images of 16-px patches, as BEiT).

    Args:
        tokenizer: config of a tokenizer with ``encode(images01) -> ids`` and ``downsample``
            (``mimbench.DALLETokenizer`` with the release's weight files, as BEiT and CiM).
        patch_size: the ViT patch size.
        mean, std: the data preprocessor's, to recover RGB from the preprocessed images.
    """

    def __init__(self, tokenizer: dict, patch_size: int = 16, mean=IMAGENET_MEAN, std=IMAGENET_STD,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.patch_size = patch_size
        self.tokenizer = MODELS.build(tokenizer)
        self.tokenizer.requires_grad_(False)
        self.register_buffer('mean', torch.tensor(mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer('std', torch.tensor(std).view(1, 3, 1, 1), persistent=False)

    def train(self, mode: bool = True):
        super().train(mode)
        self.tokenizer.eval()                                                        # frozen
        return self

    @torch.no_grad()
    def target_ids(self, images: torch.Tensor) -> torch.Tensor:
        """Preprocessed images [N, 3, H, W] -> token ids [N, L] in patch order (row-major, as patchify)."""
        grid = images.shape[-1] // self.patch_size
        side = grid * self.tokenizer.downsample
        rgb = ((images * self.std + self.mean) / 255).clamp(0, 1)
        small = F.interpolate(rgb, size=(side, side), mode='bilinear', align_corners=False, antialias=True)
        return self.tokenizer.encode(small.clamp(0, 1)).flatten(1)

    def loss(self, pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """pred [N, L, vocab] logits, target the preprocessed images, mask [N, L] (1 = masked)."""
        ce = F.cross_entropy(pred.transpose(1, 2), self.target_ids(target), reduction='none')   # [N, L]
        return (ce * mask).sum() / mask.sum()
