"""SimMIM pre-training (simmim.txt Sec. 3-4) with Swin-B and ViT-B/16 encoders.

Checked against the paper, mmpretrain 1.2.0 implements SimMIM faithfully for Swin and mimbench reuses it:
``mmpretrain.SimMIMSwinTransformer`` (masked patch embeddings replaced by one learnable mask token,
simmim.txt Sec. 3.1 "Masking strategy"), ``mmpretrain.SimMIMLinearDecoder`` (the one-layer prediction
head: a 1x1 conv to stride^2 * 3 values per feature vector, unfolded to full resolution, Sec. 3.1
"Prediction head"), ``mmpretrain.SimMIMHead`` + ``PixelReconstructionLoss(criterion='L1', channel=3)``
(l1 on masked pixels only, averaged over them, Eq. 1) and the ``SimMIMMaskGenerator`` transform (random
32x32 cells at ratio 0.6, Sec. 4.1.2).

What this module adds:
- ``SimMIMViT``: SimMIM with a ViT-B/16 encoder (simmim.txt Sec. 4.2) -- mmpretrain has only the Swin
  one. Same mask-token substitution before the position embeddings; the patch tokens are returned as a
  [N, D, H/16, W/16] map for the linear decoder (encoder stride 16). It keeps
  ``mmpretrain.VisionTransformer``'s layout (absolute learnable position embedding, class token), so its
  checkpoint loads into the transfer ViT; the paper's ViT-B follows BEiT's code (relative position bias,
  layer scale), which would not fit mimbench's shared encoder contract.
- ``SimMIM``: mmpretrain's algorithm that also generates its mask in the model when the data samples
  carry none (benchmarks, figures), and ``reconstruct()`` for the masked / prediction / original panels
  of simmim.txt Fig. 4.

Learning rate: the paper gives lr 8e-4 at total batch 2048 (Sec. 4.1.1). The official code writes this as
``2e-4 * batch / 512``, which is the same linear rule; configs therefore state lr = 8e-4 with
``auto_scale_lr.base_batch_size = 2048`` and note the official form.
"""
from __future__ import annotations

import torch
from mmpretrain.models import VisionTransformer
from mmpretrain.models.selfsup.simmim import SimMIM as MMPretrainSimMIM
from mmpretrain.models.utils import resize_pos_embed

from mimbench.models.masking import random_cell_mask
from mimbench.registry import MODELS


@MODELS.register_module()
class SimMIMViT(VisionTransformer):
    """ViT encoder for SimMIM (simmim.txt Sec. 3.1, 4.2): masked patch embeddings -> learnable mask token.

    Arguments are ``mmpretrain.VisionTransformer``'s. ``forward(x, mask)`` with a token mask
    [N, H/p, W/p] (1 = masked) returns ``(featmap [N, D, H/p, W/p],)``; with ``mask=None`` it is the
    plain ViT forward (feature extraction, fine-tuning).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.mask_token = torch.nn.Parameter(torch.zeros(1, 1, self.embed_dims))

    def init_weights(self) -> None:
        super().init_weights()
        if isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained':
            return
        torch.nn.init.trunc_normal_(self.mask_token, std=.02)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None):
        if mask is None:
            return super().forward(x)
        tokens, hw = self.patch_embed(x)                                            # [N, L, D]
        n, num_tokens, _ = tokens.shape
        if mask.shape[1:] != tuple(hw):
            raise ValueError(f'SimMIMViT: the mask must have one entry per patch token, {tuple(hw)}, got '
                             f'{tuple(mask.shape[1:])}; set the mask generator model_patch_size to the ViT '
                             f'patch size and input_size to the image size')
        w = mask.flatten(1).unsqueeze(-1).type_as(tokens)                           # [N, L, 1]
        tokens = tokens * (1 - w) + self.mask_token.to(tokens.dtype) * w
        if self.cls_token is not None:
            tokens = torch.cat([self.cls_token.expand(n, -1, -1), tokens], dim=1)
        tokens = tokens + resize_pos_embed(self.pos_embed, self.patch_resolution, hw,
                                           mode=self.interpolate_mode, num_extra_tokens=self.num_extra_tokens)
        tokens = self.pre_norm(self.drop_after_pos(tokens))
        for layer in self.layers:
            tokens = layer(tokens)
        if self.final_norm:
            tokens = self.ln1(tokens)
        patches = tokens[:, self.num_extra_tokens:]                                 # [N, L, D]
        return (patches.transpose(1, 2).reshape(n, -1, *hw),)                       # [N, D, h, w]


@MODELS.register_module()
class SimMIM(MMPretrainSimMIM):
    """SimMIM (simmim.txt Sec. 3): mmpretrain's algorithm, with an in-model mask when none is given.

    Args:
        mask_ratio: ratio of masked cells when the model draws the mask itself (0.6, simmim.txt Sec. 4.1.2).
        mask_patch_size: masked cell size in pixels (32, simmim.txt Sec. 4.1.2).
        Other arguments are ``mmpretrain.SimMIM``'s (backbone, neck, head, data_preprocessor).
    """

    def __init__(self, *args, mask_ratio: float = 0.6, mask_patch_size: int = 32, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.mask_ratio = mask_ratio
        self.mask_patch_size = mask_patch_size

    def draw_mask(self, inputs: torch.Tensor) -> torch.Tensor:
        """Random cell mask at the head's token resolution: [N, H/p, W/p] (1 = masked)."""
        return random_cell_mask(inputs.shape[0], inputs.shape[-1], self.mask_patch_size, self.head.patch_size,
                                self.mask_ratio).to(inputs.device)

    def loss(self, inputs: torch.Tensor, data_samples, **kwargs) -> dict[str, torch.Tensor]:
        if data_samples and all('mask' in s for s in data_samples):
            mask = torch.stack([s.mask for s in data_samples])
        else:
            mask = self.draw_mask(inputs)
        latent = self.backbone(inputs, mask)
        pred = self.neck(latent[0])                                                 # [N, 3, H, W]
        return dict(loss=self.head.loss(pred, inputs, mask))

    @torch.no_grad()
    def reconstruct(self, inputs: torch.Tensor, mask: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Panels of simmim.txt Fig. 4: masked input, prediction (visible pixels kept), original.

        Args:
            inputs: [N, 3, H, W] after the data preprocessor; mask: optional token mask [N, H/p, W/p].
        """
        mask = self.draw_mask(inputs) if mask is None else mask
        pred = self.neck(self.backbone(inputs, mask)[0])
        p = self.head.patch_size
        m = mask.repeat_interleave(p, 1).repeat_interleave(p, 2).unsqueeze(1).type_as(inputs)  # [N, 1, H, W]
        return {'masked': inputs * (1 - m), 'prediction': pred * m + inputs * (1 - m), 'original': inputs}
