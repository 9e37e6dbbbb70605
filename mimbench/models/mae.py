"""MAE pre-training (mae.txt Sec. 3, App. A.1), on top of mmpretrain's MAE pieces.

Checked against the paper, mmpretrain 1.2.0 already implements MAE faithfully and mimbench reuses it:
``mmpretrain.MAEPretrainDecoder`` (8 blocks, 512-d, mask tokens and fixed sin-cos position embeddings added
in the decoder, mae.txt Sec. 3 "MAE decoder", App. A.1), ``mmpretrain.MAEPretrainHead`` with
``PixelReconstructionLoss(criterion='L2')`` (MSE averaged over masked patches only, optional per-patch
normalised target, mae.txt Sec. 3 "Reconstruction target"), and the encoder ``mmpretrain.MAEViT``.

What this module adds or corrects:
- ``MAEViT``: the encoder sees the visible 25% only (mae.txt Sec. 3 "MAE encoder"), masking through
  ``mimbench.models.masking.random_token_shuffle``; fixes mmpretrain's ``forward(x, mask=False)``, which
  masked anyway (``if mask is None or False``), so ``mask=False`` now returns plain ViT features.
  ``mask_mode`` 'block' / 'grid' are the other mask samplings of mae.txt Table 1f (Fig. 6).
- ``MAEViTMaskTokenEncoder``: the "encoder w/ [M]" baseline of mae.txt Table 1(c) and Table 2: masked
  patches are replaced by a learned mask token and *all* tokens go through the encoder; the decoder then
  adds no mask tokens. Used by ``benchmarks/pretrain_speed.py`` for the wall-clock comparison.
- ``MAE``: mmpretrain's algorithm plus ``reconstruct()``, the masked / prediction / original panels of
  mae.txt Fig. 2-4 used by ``mimbench.models.reconstruction``.

Both encoders keep ``mmpretrain.VisionTransformer``'s parameter names, so the ``backbone.`` part of a
pre-training checkpoint loads into the transfer configs' ViT (``mask_token`` is the only extra key).
"""
from __future__ import annotations

import torch
from mmpretrain.models.selfsup.mae import MAE as MMPretrainMAE
from mmpretrain.models.selfsup.mae import MAEViT as MMPretrainMAEViT

from mimbench.models.masking import (block_token_mask, grid_token_mask, random_token_shuffle,
                                     shuffle_from_mask)
from mimbench.registry import MODELS


@MODELS.register_module()
class MAEViT(MMPretrainMAEViT):
    """ViT encoder of MAE applied to the visible patches only (mae.txt Sec. 3 "MAE encoder").

    Patch embedding + fixed 2-D sin-cos position embedding (mae.txt App. A.1), per-sample random shuffle
    keeping ``int(L * (1 - mask_ratio))`` tokens (mae.txt Sec. 3 "Masking"; 0.75 by default, Fig. 5),
    the auxiliary dummy class token appended (App. A.1), then the Transformer blocks and final LN.
    Arguments are ``mmpretrain.MAEViT``'s (``arch`` 'b'/'l'/'h', ``patch_size`` 16 or 14, ``mask_ratio``)
    and ``mask_mode``: 'random' (the paper's), 'block' (BEiT's block-wise masking at ``mask_ratio``) or
    'grid' (keep one of every 2x2 tokens; ``mask_ratio`` must be 0.75), the samplings of mae.txt Table 1f.
    """

    MASK_MODES = ('random', 'block', 'grid')

    def __init__(self, *args, mask_mode: str = 'random', **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if mask_mode not in self.MASK_MODES:
            raise ValueError(f'mask_mode must be one of {", ".join(self.MASK_MODES)} (mae.txt Table 1f), '
                             f'got {mask_mode!r}')
        if mask_mode == 'grid' and self.mask_ratio != 0.75:
            raise ValueError(f'grid-wise sampling keeps one of every four patches: mask_ratio must be 0.75, '
                             f'got {self.mask_ratio}')
        self.mask_mode = mask_mode

    def sample_mask(self, n: int, num_tokens: int, device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(ids_keep [N, K], ids_restore [N, L], mask [N, L]) by ``mask_mode`` (mae.txt Table 1f)."""
        if self.mask_mode == 'random':
            return random_token_shuffle(n, num_tokens, self.mask_ratio, device=device)
        grid = int(round(num_tokens ** 0.5))
        if self.mask_mode == 'block':
            mask = block_token_mask(n, grid, int(round(num_tokens * self.mask_ratio)))
        else:
            mask = grid_token_mask(n, grid)
        return shuffle_from_mask(mask.to(device))

    def mask_and_embed(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Images [N, 3, H, W] -> (class + visible tokens [N, 1 + K, D], mask [N, L], ids_restore [N, L])."""
        tokens = self.patch_embed(x)[0] + self.pos_embed[:, 1:, :]                  # x: [N, L, D]
        n, num_tokens, dim = tokens.shape
        ids_keep, ids_restore, mask = self.sample_mask(n, num_tokens, x.device)
        visible = torch.gather(tokens, 1, ids_keep.unsqueeze(-1).expand(-1, -1, dim))  # [N, K, D]
        cls = (self.cls_token + self.pos_embed[:, :1, :]).expand(n, -1, -1)        # [N, 1, D]
        return torch.cat([cls, visible], dim=1), mask, ids_restore

    def forward(self, x: torch.Tensor, mask: bool | None = True):
        """``mask`` True: (latent [N, 1 + K, D], mask [N, L], ids_restore [N, L]); None/False: ViT outputs."""
        if not mask:
            return super(MMPretrainMAEViT, self).forward(x)
        tokens, mask, ids_restore = self.mask_and_embed(x)
        for layer in self.layers:
            tokens = layer(tokens)
        return self.ln1(tokens), mask, ids_restore


@MODELS.register_module()
class MAEViTMaskTokenEncoder(MAEViT):
    """The "encoder w/ [M]" baseline of mae.txt Table 1(c) / Table 2: mask tokens go through the encoder.

    Masked patch embeddings are replaced by a learned ``mask_token`` (plus their position embedding) and
    all ``1 + L`` tokens are encoded. The returned ``ids_restore`` is the identity, so
    ``mmpretrain.MAEPretrainDecoder`` adds no further mask tokens: same decoder, same loss, 3.3x the
    training FLOPs of ``MAEViT`` at ViT-L (mae.txt Sec. 4.1 "Mask token").
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.mask_token = torch.nn.Parameter(torch.zeros(1, 1, self.embed_dims))

    def init_weights(self) -> None:
        super().init_weights()
        torch.nn.init.normal_(self.mask_token, std=.02)

    def forward(self, x: torch.Tensor, mask: bool | None = True):
        if not mask:
            return super(MMPretrainMAEViT, self).forward(x)
        patches = self.patch_embed(x)[0]                                            # [N, L, D]
        n, num_tokens, _ = patches.shape
        _, _, mask = self.sample_mask(n, num_tokens, x.device)
        w = mask.unsqueeze(-1).type_as(patches)                                     # [N, L, 1]
        tokens = patches * (1 - w) + self.mask_token.to(patches.dtype) * w + self.pos_embed[:, 1:, :]
        cls = (self.cls_token + self.pos_embed[:, :1, :]).expand(n, -1, -1)
        tokens = torch.cat([cls, tokens], dim=1)                                    # [N, 1 + L, D]
        for layer in self.layers:
            tokens = layer(tokens)
        ids_restore = torch.arange(num_tokens, device=x.device).expand(n, -1)
        return self.ln1(tokens), mask, ids_restore


@MODELS.register_module()
class MAE(MMPretrainMAE):
    """MAE (mae.txt Sec. 3): ``mmpretrain.MAE`` plus ``reconstruct`` for reconstruction figures.

    The loss is mmpretrain's: ``head.loss(pred, inputs, mask)``, MSE on masked patches only, in the pixel
    space of the data preprocessor (normalised by ImageNet mean/std), per-patch normalised if
    ``head.norm_pix`` (mae.txt Sec. 3; Table 1(d) "pixel (w/ norm)" is the better target).
    """

    @torch.no_grad()
    def reconstruct(self, inputs: torch.Tensor) -> dict[str, torch.Tensor]:
        """Panels of mae.txt Fig. 2: masked input, reconstruction (visible patches pasted back), original.

        Args:
            inputs: [N, 3, H, W], already through the data preprocessor.
        Returns:
            ordered dict name -> [N, 3, H, W] in the preprocessor's normalised pixel space.
        """
        latent, mask, ids_restore = self.backbone(inputs)
        pred = self.neck(latent, ids_restore)                                       # [N, L, p*p*3]
        head = self.head
        target = head.patchify(inputs)                                              # [N, L, p*p*3]
        if head.norm_pix:  # back from per-patch normalised values to pixels, with the true patch statistics
            mean = target.mean(dim=-1, keepdim=True)
            std = (target.var(dim=-1, keepdim=True) + 1.e-6) ** .5
            pred = pred * std + mean
        m = mask.unsqueeze(-1)                                                      # [N, L, 1]
        return {
            'masked': head.unpatchify(target * (1 - m)),
            'prediction': head.unpatchify(pred * m + target * (1 - m)),
            'original': inputs,
        }
