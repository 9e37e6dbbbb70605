"""CiM's trainable generator: a small BEiT predicting visual tokens at masked positions (cim.txt Sec. 2.1).

The small BEiT (cim.txt Sec. 2.1, 2.3 Eq. 1) patch-embeds the *real* image, replaces the embeddings at
``k`` random positions by a learned [MASK] embedding, runs a few Transformer layers (4-6, cim.txt Table 5,
Table 9; 1-D absolute position embedding, no LayerScale, no dropout / stochastic depth, Table 9) and
predicts the tokenizer's visual token at every position with a linear layer; it is trained with the
cross-entropy of the golden tokens at the masked positions (maximising ``log p_BEiT(g | x_masked)``).
Replacements are drawn from its softmax at temperature 1 (cim.txt Sec. 2.1, Eq. 2, Table 7 "Gumbel
sampling"), here with the Gumbel-max trick, which samples exactly that distribution.

Weight sharing (cim.txt Table 5, footnote; Sec. 3.4): "sharing the patch embedding linear layer and the
first 2 Transformer encoder layers between the small BEiT and the enhancer" when the enhancer is a ViT.
``CiMGenerator.share_with(enhancer, 2)`` makes the generator *use* the enhancer's modules without
registering them a second time (one parameter, one state-dict key, under ``backbone.``); the generator
keeps its own class token, position embedding, [MASK] embedding, remaining layers, norm and head.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmcv.cnn.bricks.transformer import PatchEmbed
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_
from mmpretrain.models.backbones.vision_transformer import TransformerEncoderLayer
from torch import nn

from mimbench.registry import MODELS


def random_count_mask(batch: int, num_tokens: int, num_masked: int | tuple[int, int],
                      device=None, generator: torch.Generator | None = None) -> torch.Tensor:
    """Random token mask with ``k`` masked positions per sample (cim.txt Sec. 2.3 Eq. 1, footnote 3).

    cim.txt footnote 3 / Table 9: "k equal to 100 ~ 120 given the input sequence length n of 196",
    "Random Masking" (Table 4: random beats BEiT's block-wise masking). A tuple ``(lo, hi)`` draws ``k``
    uniformly in [lo, hi] for every sample; the ``k`` positions are distinct and uniform.

    Returns:
        mask: [N, L] bool, True = masked.
    """
    lo, hi = (num_masked, num_masked) if isinstance(num_masked, int) else num_masked
    if not 0 < lo <= hi < num_tokens:
        raise ValueError(f'num_masked={num_masked} must satisfy 0 < lo <= hi < {num_tokens} tokens; for '
                         f'{num_tokens} tokens cim.txt Table 4 suggests about {num_tokens // 2} (50%).')
    k = torch.randint(lo, hi + 1, (batch, 1), device=device, generator=generator)           # [N, 1]
    rank = torch.rand(batch, num_tokens, device=device, generator=generator).argsort(1).argsort(1)
    return rank < k                                                                          # [N, L]


def blockwise_count_mask(batch: int, grid: tuple[int, int], num_masked: int | tuple[int, int],
                         min_block: int = 16) -> torch.Tensor:
    """BEiT's block-wise masking of about ``k`` tokens per sample: the ablation of cim.txt Table 4.

    Uses ``mimbench.models.masking.beit_block_mask`` (BEiT's algorithm as its official code runs it, numpy's
    global RNG; mmpretrain's ``BEiTMaskGenerator`` can loop forever on small grids); ``min_block`` is BEiT's
    minimum block of 16 tokens; ``k`` is the middle of a (lo, hi) range. CiM's default is random masking
    (Table 4: 83.3 vs 82.9).

    Returns:
        mask: [N, h*w] bool, True = masked.
    """
    from mimbench.models.masking import beit_block_mask
    k = num_masked if isinstance(num_masked, int) else (num_masked[0] + num_masked[1]) // 2
    masks = [torch.as_tensor(beit_block_mask(tuple(grid), k, min_block=min(min_block, k)), dtype=torch.bool)
             .flatten() for _ in range(batch)]
    return torch.stack(masks)                                                               # [N, L]


SAMPLING = ('softmax', 'argmax', 'uniform')


def sample_replacements(logits: torch.Tensor, strategy: str = 'softmax',
                        temperature: float = 1.0) -> torch.Tensor:
    """Replacement tokens [...] from BEiT logits [..., V] by one of the strategies of cim.txt Table 7.

    'softmax' (the paper's, "Gumbel sampling" in Table 7), 'argmax' (the most likely token) and 'uniform'
    (any codebook entry); the last two made training diverge in the paper.
    """
    if strategy == 'softmax':
        return gumbel_sample(logits, temperature)
    if strategy == 'argmax':
        return logits.argmax(dim=-1)
    if strategy == 'uniform':
        return torch.randint(0, logits.shape[-1], logits.shape[:-1], device=logits.device)
    raise ValueError(f'sampling must be one of {SAMPLING} (cim.txt Table 7), got {strategy!r}')


def gumbel_sample(logits: torch.Tensor, temperature: float = 1.0,
                  generator: torch.Generator | None = None) -> torch.Tensor:
    """One sample per row of ``softmax(logits / temperature)`` via Gumbel-max (cim.txt Sec. 2.1, Table 7).

    Args:
        logits: [..., V].
    Returns:
        ids: [...] long.
    """
    u = torch.rand(logits.shape, device=logits.device, generator=generator, dtype=torch.float32)
    gumbel = -torch.log((-torch.log(u.clamp_min(1e-20))).clamp_min(1e-20))          # Gumbel(0, 1) noise
    return (logits.float() / temperature + gumbel).argmax(dim=-1)


@MODELS.register_module()
class CiMGenerator(BaseModule):
    """The small BEiT of CiM's generator: image + token mask -> visual-token logits [N, L, V].

    Args:
        embed_dims: width; "same to the enhancer (ViT), 384 (ResNet)" (cim.txt Table 9).
        num_layers: depth, counting shared layers; 4-6 (cim.txt Table 5, Table 9).
        num_heads: attention heads (64-d heads as ViT).
        feedforward_channels: MLP width (4x, as ViT).
        vocab_size: the tokenizer's vocabulary (8192 for DALL-E); CiM fills it from the tokenizer.
        img_size: input size (224, cim.txt Table 9).
        patch_size: 16 (cim.txt Table 9), matching 8x-downsampling tokenizers on a half-size view.
    """

    def __init__(self, embed_dims: int = 768, num_layers: int = 4, num_heads: int = 12,
                 feedforward_channels: int = 3072, vocab_size: int = 8192, img_size: int = 224,
                 patch_size: int = 16, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.embed_dims, self.num_layers, self.vocab_size = embed_dims, num_layers, vocab_size
        self.patch_size = patch_size
        self.patch_embed = PatchEmbed(in_channels=3, embed_dims=embed_dims, conv_type='Conv2d',
                                      kernel_size=patch_size, stride=patch_size, bias=True)
        num_patches = (img_size // patch_size) ** 2
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        self.mask_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        # 1-D absolute (Table 9)
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + num_patches, embed_dims))
        self.layers = nn.ModuleList(
            TransformerEncoderLayer(embed_dims, num_heads, feedforward_channels, qkv_bias=True)
            for _ in range(num_layers))
        self.norm = nn.LayerNorm(embed_dims, eps=1e-6)
        self.head = nn.Linear(embed_dims, vocab_size)
        self._shared: tuple = ()   # (patch_embed, layer, layer, ...) of the enhancer; not registered here

    @property
    def num_shared_layers(self) -> int:
        return max(len(self._shared) - 1, 0)

    def share_with(self, enhancer: nn.Module, num_layers: int = 2) -> None:
        """Use the enhancer's patch embedding and first ``num_layers`` layers (cim.txt Table 5 footnote).

        The generator's own patch embedding and first ``num_layers`` layers are dropped, so the depth stays
        ``self.num_layers``. The enhancer must be a ViT of the same width and patch size.
        """
        own = getattr(enhancer, 'embed_dims', None)
        patch = getattr(getattr(enhancer, 'patch_embed', None), 'projection', None)
        if own != self.embed_dims or patch is None or tuple(patch.kernel_size) != (self.patch_size,) * 2:
            raise ValueError(
                f'weight sharing needs a ViT enhancer with embed_dims={self.embed_dims} and patch size '
                f'{self.patch_size}; got {type(enhancer).__name__} (embed_dims={own}). Set '
                'model.num_shared_layers=0 for other enhancers (cim.txt Table 9: ResNet uses width 384, '
                'no sharing).')
        if not 0 < num_layers < self.num_layers:
            raise ValueError(f'can share 1..{self.num_layers - 1} layers of a {self.num_layers}-layer '
                             'generator, '
                             f'got {num_layers}')
        self._shared = (enhancer.patch_embed, *enhancer.layers[:num_layers])
        del self.patch_embed
        self.layers = self.layers[num_layers:]

    def init_weights(self) -> None:
        """BEiT-style init: truncated normal (std 0.02) for tokens, position embedding and linear layers."""
        super().init_weights()
        for p in (self.cls_token, self.mask_token, self.pos_embed):
            trunc_normal_(p, std=0.02)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                trunc_normal_(m.weight, std=0.02)
                nn.init.zeros_(m.bias)

    def forward(self, images: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Images [N, 3, H, W] (normalised), mask [N, L] bool -> logits [N, L, V] for every position."""
        patch_embed = self._shared[0] if self._shared else self.patch_embed
        x, _ = patch_embed(images)                                                    # x: [N, L, D]
        n, num_tokens, _ = x.shape
        if mask.shape != (n, num_tokens):
            raise ValueError(f'mask must be [N, L] = {(n, num_tokens)} for these images, '
                             f'got {tuple(mask.shape)}')
        # Eq. 1 replace(x, m, [MASK])
        x = torch.where(mask.unsqueeze(-1), self.mask_token.to(x.dtype), x)
        x = torch.cat([self.cls_token.expand(n, -1, -1), x], dim=1) + self.pos_embed  # [N, 1 + L, D]
        for layer in (*self._shared[1:], *self.layers):
            x = layer(x)
        return self.head(self.norm(x[:, 1:]))                                           # [N, L, V]

    @staticmethod
    def loss(logits: torch.Tensor, golden: torch.Tensor, mask: torch.Tensor
             ) -> tuple[torch.Tensor, torch.Tensor]:
        """Cross-entropy of the golden tokens at the masked positions (cim.txt Sec. 2.3) and their accuracy.

        Args:
            logits: [N, L, V]; golden: [N, L] long; mask: [N, L] bool.
        """
        picked, target = logits[mask], golden[mask]                                   # [M, V], [M]
        return F.cross_entropy(picked.float(), target), (picked.argmax(-1) == target).float().mean()
