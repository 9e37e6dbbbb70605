"""MixMIM pre-training: mixed input, masked self-attention, dual reconstruction (mixmim.txt Sec. 2, 8).

One training step (mixmim.txt Sec. 2.2, Fig. 1), for a batch ``x: [B, 3, H, W]``:

1. ``sample_mix_mask``: a random binary mask ``M`` over 32x32-pixel cells (the encoder's output grid,
   ``H/32 x W/32``), ratio 0.5 (Sec. 2.2). ``M = 1`` takes the cell from the image itself (x1), ``M = 0``
   from its partner x2 (Eq. 1); the partner of sample ``i`` is sample ``B-1-i`` (the batch flipped).
2. ``MixMIMPretrainEncoder``: the hierarchical encoder (Swin without shifted windows; windows 14/14/14/7,
   so stages 3-4 attend globally) runs on the mixed image. Masked self-attention (Sec. 2.3, the default):
   a token attends only to tokens of its own image; ``M`` is upsampled with nearest interpolation to every
   stage's resolution.
3. Unmix: ``mmpretrain.MixMIMPretrainDecoder`` (linear 1024->512, 8 blocks of width 512, Sec. 2.2) decodes
   two groups per mixed image: the x1 tokens with mask tokens at ``M = 0`` and the x2 tokens with mask tokens
   at ``M = 1``.
4. ``MixMIMDualReconstructionHead``: MSE on per-patch normalised pixels (Sec. 4.1, "normalized pixels
   [19]"), taken only where each image was masked: ``(1 - M)`` for x1, ``M`` for x2 (Eq. 2).

Where the official code (github.com/Sense-X/MixMIM, as ported in mmpretrain 1.2.0's ``MixMIM``) differs from
the paper, the paper is the default and the official behaviour an option:

* Mask sharing. The official code draws ONE mask per step, shared by the whole batch; the paper speaks of
  "a random mixing mask" per mixed image. Default: one mask per sample (``shared_mask=False``);
  ``shared_mask=True`` reproduces the official code.
* Loss tokens. The official head pastes the two reconstructions of each image back together ("unmix") and
  averages over all tokens of the composite. Every composite token is a prediction made at a *masked*
  position, and each image contributes exactly L masked tokens over its two reconstructions, so that average
  is exactly Eq. 2's masked-token MSE (tests/test_pretrain_mixmim.py checks this). The one real difference is
  that the official trick only works with a shared mask; ``MixMIMDualReconstructionHead`` computes Eq. 2
  directly, which works for per-sample masks too.
* Masked-cell count: ``int(L * ratio)`` cells come from the partner (24 of 49 at 224 px), as in the official
  code. Ablations of Table 8 (random ratio range) use ``mask_ratio_range=(lo, hi)``; the official code's
  ``range_mask_ratio`` only adds a non-negative offset, the paper's "Random (0.4-0.6)" is symmetric.

Ablation switches (off = the paper's default): ``MixMIMPretrainEncoder(masked_attention=False)`` and
``MixMIM(mix_embedding=True)`` (Table 10, Sec. 2.3), ``MixMIMDualReconstructionHead(dual=False)`` (Table 7),
``mask_ratio_range=(0.4, 0.6)`` (Table 8). With an odd batch the middle sample is its own partner (as in the
official code): its mixed image is itself, and the two reconstructions are plain masked image modeling.

The encoder subclasses ``mmpretrain.MixMIMPretrainTransformer`` (itself a ``mmpretrain.MixMIMTransformer``)
and adds no parameters, so its ``backbone.`` state dict loads strictly into ``mmpretrain.MixMIMTransformer``
for transfer. Its initialisation is mmpretrain's: xavier-uniform linear layers (Sec. 8) and a fixed 2-D
sin-cos absolute position embedding (the official code's; the paper only says "positional embeddings").
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.models.selfsup.base import BaseSelfSupervisor
from mmpretrain.models.selfsup.mixmim import MixMIMPretrainTransformer
from torch import nn
from torch.utils.checkpoint import checkpoint

from mimbench.registry import MODELS


def sample_mix_mask(batch: int, grid_hw: tuple[int, int], ratio: float = 0.5, *, shared: bool = False,
                    device: torch.device | str | None = None,
                    generator: torch.Generator | None = None) -> torch.Tensor:
    """Random mixing mask over the encoder's output grid (one cell = 32x32 pixels; mixmim.txt Sec. 2.2).

    Exactly ``int(h * w * ratio)`` cells of every sample are set to 0 (taken from the partner image);
    the rest are 1 (kept from the image itself; the paper's ``M = 1``, Eq. 1).

    Args:
        batch: number of samples B.
        grid_hw: (h, w) of the cell grid, i.e. image size // 32.
        ratio: fraction of cells taken from the partner; 0.5 in the paper (Sec. 2.2).
        shared: one mask for the whole batch (the official code) instead of one per sample (default).
        device: where the mask lives.
        generator: optional torch.Generator for reproducible masks.

    Returns:
        M: [B, h*w] float tensor of 0/1.
    """
    h, w = grid_hw
    num_cells = h * w
    num_mixed = int(num_cells * ratio)
    if not 0 < num_mixed < num_cells:
        raise ValueError(f'mask ratio {ratio} on a {h}x{w} cell grid mixes {num_mixed} of {num_cells} cells; '
                         'expected at least one cell from each image. Use a larger image (a multiple of 32) '
                         'or a ratio in (0, 1).')
    rows = 1 if shared else batch
    noise = torch.rand(rows, num_cells, device=device, generator=generator)
    mixed = noise.argsort(dim=1)[:, :num_mixed]                     # [rows, num_mixed]
    own = torch.ones(rows, num_cells, device=device)
    own.scatter_(1, mixed, 0.0)
    return own.expand(batch, num_cells).contiguous()                # [B, h*w]


def upsample_mask(own: torch.Tensor, grid_hw: tuple[int, int], out_hw: tuple[int, int]) -> torch.Tensor:
    """Nearest upsampling of a cell mask to a stage's token grid (mixmim.txt Sec. 2.3).

    Args:
        own: [B, h*w] mask on the cell grid.
        grid_hw: (h, w) of the cell grid.
        out_hw: (H', W') of the stage's token grid, integer multiples of (h, w).

    Returns:
        [B, H'*W'] mask.
    """
    b = own.shape[0]
    up = F.interpolate(own.view(b, 1, *grid_hw), size=out_hw, mode='nearest')  # [B, 1, H', W']
    return up.view(b, -1)


def _windows(x: torch.Tensor, ws: int) -> torch.Tensor:
    """[B, H, W, C] -> [B, nW, ws*ws, C], windows in raster order (the layout of mmpretrain's MixMIMBlock)."""
    b, h, w, c = x.shape
    x = x.view(b, h // ws, ws, w // ws, ws, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(b, (h // ws) * (w // ws), ws * ws, c)


def _unwindows(x: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """[B, nW, ws*ws, C] -> [B, H*W, C]."""
    b, _, n, c = x.shape
    ws = int(round(n ** 0.5))
    x = x.view(b, h // ws, w // ws, ws, ws, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(b, h * w, c)


def masked_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, bias: torch.Tensor,
                     allowed: torch.Tensor | None, scale: float, dropout_p: float = 0.0,
                     fused: bool = True) -> torch.Tensor:
    """softmax(q k^T * scale + bias, only where ``allowed``) v, over windows of a batch.

    ``fused=True`` uses ``F.scaled_dot_product_attention`` (on GPUs its memory-efficient kernel takes the
    additive bias and its gradient). On CPU, SDPA's math path adds safe-softmax passes; the plain form
    (mmpretrain's arithmetic) with the bias and the mask applied in place to the score matrix is faster.

    Args:
        q, k, v: [B*nW, heads, N, d] (windows of sample i are rows i*nW .. i*nW + nW - 1).
        bias: [1, heads, N, N] relative position bias.
        allowed: [B or 1, nW, 1, N, N] bool, True where a query may attend to a key; None: everywhere.
        scale: the query scale (head_dim ** -0.5).
        dropout_p: attention dropout probability (0 outside training).
        fused: use SDPA.

    Returns:
        [B*nW, heads, N, d]
    """
    bw, heads, n, _ = q.shape
    if fused:
        if allowed is not None:
            nw = allowed.shape[1]
            bias = bias.unsqueeze(0).masked_fill(~allowed, float('-inf'))             # [B|1, nW, h, N, N]
            bias = bias.expand(bw // nw, nw, heads, n, n).reshape(bw, heads, n, n)
        return F.scaled_dot_product_attention(q, k, v, attn_mask=bias.to(q.dtype), dropout_p=dropout_p,
                                              scale=scale)
    weights = (q * scale) @ k.transpose(-2, -1)                                           # [B*nW, h, N, N]
    weights += bias.to(q.dtype)
    if allowed is not None:  # additive constant mask: its backward is free (a masked_fill's is not)
        nw = allowed.shape[1]
        forbid = torch.zeros(allowed.shape, dtype=q.dtype, device=q.device)               # [B|1, nW, 1, N, N]
        forbid.masked_fill_(~allowed, float('-inf'))
        weights.view(bw // nw, nw, heads, n, n).add_(forbid)
    weights = weights.softmax(dim=-1)
    if dropout_p:
        weights = F.dropout(weights, p=dropout_p)
    return weights @ v


def masked_block_forward(block: torch.nn.Module, x: torch.Tensor, own: torch.Tensor | None) -> torch.Tensor:
    """One mmpretrain ``MixMIMBlock`` with per-sample masked window attention (mixmim.txt Sec. 2.3).

    Same parameters and arithmetic as ``MixMIMBlock.forward`` (window attention with relative position bias,
    then the FFN), except that the attention mask may differ per sample (mmpretrain's block repeats a single
    mask over the batch) and, on GPUs, attention runs through ``F.scaled_dot_product_attention`` (the fused
    memory-efficient kernel takes the additive bias). A token may attend to a key only if both come from the
    same image; every token sees at least itself, so no softmax row is empty.

    Args:
        block: an ``mmpretrain.models.backbones.mixmim.MixMIMBlock``.
        x: [B, L, C] tokens of the stage (L = H*W).
        own: [B, L] (or [1, L], one mask for the batch) 0/1 image membership of each token, or None for
            plain (unmasked) attention.

    Returns:
        [B, L, C]
    """
    h, w = block.input_resolution
    ws = block.window_size
    attn = block.attn
    b, length, c = x.shape
    heads = attn.num_heads

    shortcut = x
    win = _windows(block.ln1(x).view(b, h, w, c), ws)                # [B, nW, N, C]
    nw, n = win.shape[1], win.shape[2]
    qkv = attn.qkv(win).view(b * nw, n, 3, heads, c // heads)
    q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)                  # each [B*nW, heads, N, d]

    bias = attn.relative_position_bias_table[attn.relative_position_index.view(-1)]
    bias = bias.view(n, n, heads).permute(2, 0, 1).unsqueeze(0)       # [1, heads, N, N]
    allowed = None
    if own is not None:
        g = _windows(own.view(own.shape[0], h, w, 1), ws).squeeze(-1)  # [B|1, nW, N]
        allowed = (g.unsqueeze(-1) == g.unsqueeze(-2)).unsqueeze(2)   # [B|1, nW, 1, N, N]
    drop = attn.attn_drop.p if block.training else 0.0
    out = masked_attention(q, k, v, bias, allowed, attn.scale, drop, fused=q.is_cuda)  # [B*nW, h, N, d]
    out = attn.proj_drop(attn.proj(out.transpose(1, 2).reshape(b, nw, n, c)))
    x = shortcut + block.drop_path(_unwindows(out, h, w))             # [B, L, C]
    return block.ffn(block.norm2(x), identity=x)


@MODELS.register_module()
class MixMIMPretrainEncoder(MixMIMPretrainTransformer):
    """MixMIM encoder for pre-training: mixing + masked self-attention (mixmim.txt Sec. 2.2-2.3).

    Parameter names are those of ``mmpretrain.MixMIMTransformer`` (no extra parameters), so the pre-trained
    ``backbone.`` weights load strictly into it. Architectures (Sec. 2.2): ``arch='base'`` C=128..1024,
    heads 4..32, depths (2, 2, 18, 2), 87.3M parameters (paper: 88M, Table 2; 88.3M with a 1000-class head)
    and 16.35 GFLOPs at 224 px (paper: 16.3); ``'large'`` C=192, heads 6..48: 195.9M (Table 5 prints 235M,
    which the C/H/B of Sec. 2.2 cannot give: width x1.5 scales parameters and FLOPs alike by 2.25, and the
    FLOPs, 35.8G vs 16.3G, do scale so); ``'huge'`` C=352, heads 11..88: 656M.
    Windows 14/14/14/7 (Sec. 2.2, 3); at 224 px stages 3-4 are 14x14 / 7x7, i.e. global.

    Args:
        mask_ratio: fraction of cells taken from the partner (0.5, Sec. 2.2).
        mask_ratio_range: if given, (lo, hi): the ratio is drawn uniformly per step (Table 8 ablation).
            mmpretrain's ``range_mask_ratio=r`` is accepted and means (mask_ratio, mask_ratio + r).
        shared_mask: one mask for the whole batch (official code) instead of one per sample (paper default).
        masked_attention: restrict attention to the token's own image (Sec. 2.3, default True). False gives
            Table 10's "w/o unmixing" encoder.
        **kwargs: ``mmpretrain.MixMIMTransformer`` arguments (arch, img_size, window_size, ...).
    """

    def __init__(self, *args, mask_ratio: float = 0.5, mask_ratio_range: tuple[float, float] | None = None,
                 shared_mask: bool = False, masked_attention: bool = True, **kwargs) -> None:
        official_range = kwargs.pop('range_mask_ratio', 0.0)   # mmpretrain's name: ratio + U(0, range)
        if official_range and mask_ratio_range is None:
            mask_ratio_range = (mask_ratio, mask_ratio + official_range)
        super().__init__(*args, mask_ratio=mask_ratio, **kwargs)
        if self.patch_resolution[0] % 8 or self.patch_resolution[1] % 8:
            raise ValueError(f'MixMIM needs an input size divisible by 32 (the cell size, Sec. 2.2); got '
                             f'a patch grid of {self.patch_resolution}. Set img_size to a multiple of 32.')
        for i, layer in enumerate(self.layers):
            ws, (rh, rw) = layer.blocks[0].window_size, layer.input_resolution
            if rh % ws or rw % ws:
                raise ValueError(f'stage {i + 1} has a {rh}x{rw} token grid, not divisible by its window '
                                 f'{ws}; choose window_size (now {self.window_size}) dividing every stage '
                                 'grid (at 224 px: 56/28/14/7, mixmim.txt Sec. 2.2 uses 14/14/14/7).')
        self.mask_ratio_range = mask_ratio_range
        self.shared_mask = shared_mask
        self.masked_attention = masked_attention

    def init_weights(self) -> None:
        """mmpretrain's pre-training init (sin-cos positions, xavier linears), unless loading a checkpoint."""
        if isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained':
            super(MixMIMPretrainTransformer, self).init_weights()
            return
        super().init_weights()

    @property
    def cell_grid(self) -> tuple[int, int]:
        """(h, w) of the 32x32-pixel mixing cells = the stage-4 token grid."""
        return self.patch_resolution[0] // 8, self.patch_resolution[1] // 8

    def sample_mask(self, batch: int, device: torch.device) -> torch.Tensor:
        """Draw this step's mixing mask M: [B, h*w], 1 = own image (Sec. 2.2; Table 8 when ranged)."""
        ratio = self.mask_ratio
        if self.mask_ratio_range is not None:
            lo, hi = self.mask_ratio_range
            ratio = lo + (hi - lo) * torch.rand(()).item()
        return sample_mix_mask(batch, self.cell_grid, ratio, shared=self.shared_mask, device=device)

    def forward(self, x: torch.Tensor, mask: bool | torch.Tensor | None = True,
                mix_embeds: list[torch.Tensor] | None = None):
        """Encode.

        Args:
            x: [B, 3, H, W] images at ``img_size``.
            mask: True draws a mixing mask; a [B, h*w] tensor uses that mask; None (or False) runs the plain
                backbone (no mixing), returning mmpretrain's pooled features.
            mix_embeds: optional per-stage mix embeddings, stage s: [2, C_s] (row 0 for x1's tokens, row 1
                for x2's), added at the start of each stage (mixmim.txt Sec. 2.3, Table 10 ablation). They
                are owned by the algorithm (``MixMIM(mix_embedding=True)``), so the encoder's state dict
                stays a plain ``MixMIMTransformer``.

        Returns:
            (latent [B, h*w, C4], M [B, h*w]) when mixing: latent[i] holds sample i's tokens where
            M[i] = 1 and its partner's (sample B-1-i) where M[i] = 0.
        """
        if mask is None or mask is False:
            return super(MixMIMPretrainTransformer, self).forward(x)
        expected = tuple(self.patch_embed.init_input_size)
        if tuple(x.shape[-2:]) != expected:
            raise ValueError(f'expected images of {expected} px (img_size of the encoder), got '
                             f'{tuple(x.shape[-2:])}; resize the input or set img_size.')
        own = self.sample_mask(x.shape[0], x.device) if mask is True else mask.to(x.dtype)  # [B, h*w]

        tokens, hw = self.patch_embed(x)                                                    # [B, L1, C]
        own1 = upsample_mask(own, self.cell_grid, hw).unsqueeze(-1).to(tokens.dtype)         # [B, L1, 1]
        tokens = tokens * own1 + tokens.flip(0) * (1.0 - own1)                              # Eq. 1
        tokens = self.drop_after_pos(tokens + self.absolute_pos_embed)

        # one mask for the whole batch (official code): attention masks broadcast over the batch
        own_attn = own[:1] if bool((own == own[:1]).all()) else own                          # [B|1, h*w]
        for stage, layer in enumerate(self.layers):
            group = upsample_mask(own_attn, self.cell_grid, layer.input_resolution)           # [B|1, Ls]
            if mix_embeds is not None:
                e = mix_embeds[stage].to(tokens.dtype)                                       # [2, C_s]
                g = group.unsqueeze(-1).to(tokens.dtype)                                     # [B|1, Ls, 1]
                tokens = tokens + g * e[0] + (1.0 - g) * e[1]
            if not self.masked_attention:
                group = None
            for blk in layer.blocks:
                if layer.use_checkpoint and tokens.requires_grad:
                    tokens = checkpoint(masked_block_forward, blk, tokens, group, use_reentrant=False)
                else:
                    tokens = masked_block_forward(blk, tokens, group)
            if layer.downsample is not None:
                tokens, _ = layer.downsample(tokens, layer.input_resolution)
        return self.norm(tokens), own


@MODELS.register_module()
class MixMIMDualReconstructionHead(BaseModule):
    """Dual reconstruction loss (mixmim.txt Eq. 2): MSE on normalised pixels at each image's masked cells.

    ``L = ||(y1 - x1) * (1 - M)||^2 + ||(y2 - x2) * M||^2``, averaged over the masked tokens (and pixels) of
    both reconstructions. The target is the per-patch normalised pixels of MAE [19] (Sec. 4.1), one patch per
    32x32 cell (the decoder predicts 32*32*3 values per stage-4 token).

    Args:
        patch_size: the cell size, 32 (Sec. 2.2).
        norm_pix: normalise each target patch by its mean and std (Sec. 4.1, "normalized pixels").
        dual: reconstruct both images (Sec. 2.2, default); False reconstructs only x1 (Table 7 ablation).
    """

    def __init__(self, patch_size: int = 32, norm_pix: bool = True, dual: bool = True,
                 init_cfg: dict | None = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.patch_size = patch_size
        self.norm_pix = norm_pix
        self.dual = dual

    def patchify(self, images: torch.Tensor) -> torch.Tensor:
        """[B, 3, H, W] -> [B, h*w, p*p*3] patches (row-major cells, (py, px, c) inside a patch)."""
        b, c, h, w = images.shape
        p = self.patch_size
        return images.view(b, c, h // p, p, w // p, p).permute(0, 2, 4, 3, 5, 1).reshape(b, -1, p * p * c)

    def construct_target(self, images: torch.Tensor) -> torch.Tensor:
        """[B, 3, H, W] -> [B, h*w, p*p*3] target patches, per-patch normalised if ``norm_pix``."""
        t = self.patchify(images)
        if self.norm_pix:
            mean = t.mean(dim=-1, keepdim=True)
            var = t.var(dim=-1, keepdim=True)
            t = (t - mean) / (var + 1e-6) ** 0.5
        return t

    def unpatchify(self, patches: torch.Tensor, h: int, w: int) -> torch.Tensor:
        """[B, (h/p)*(w/p), p*p*3] -> [B, 3, h, w] (inverse of ``patchify``)."""
        b, p = patches.shape[0], self.patch_size
        x = patches.view(b, h // p, w // p, p, p, -1).permute(0, 5, 1, 3, 2, 4)
        return x.reshape(b, -1, h, w)

    def loss(self, pred: torch.Tensor, images: torch.Tensor, own: torch.Tensor) -> torch.Tensor:
        """Eq. 2.

        Args:
            pred: [2B, L, p*p*3]: first B rows reconstruct x1 = images, last B rows x2 = images.flip(0).
            images: [B, 3, H, W] the un-mixed inputs.
            own: [B, L] the mixing mask M (1 = token of x1).

        Returns:
            scalar loss.
        """
        b = images.shape[0]
        pred = pred.float()                    # the MSE in fp32 under bf16/fp16 autocast (as F.mse_loss)
        target = self.construct_target(images.float())                       # [B, L, P]
        if pred.shape[0] != 2 * b or pred.shape[1:] != target.shape[1:]:
            raise ValueError(f'expected predictions of shape {(2 * b, *target.shape[1:])} (two groups per '
                             f'mixed image), got {tuple(pred.shape)}; check the decoder num_patches and '
                             'encoder_stride.')
        own = own.to(pred.dtype)
        err1 = (pred[:b] - target).pow(2).mean(dim=-1)                      # [B, L]
        loss1 = (err1 * (1.0 - own)).sum()
        if not self.dual:
            return loss1 / (1.0 - own).sum().clamp(min=1.0)
        err2 = (pred[b:] - target.flip(0)).pow(2).mean(dim=-1)              # [B, L]
        loss2 = (err2 * own).sum()
        return (loss1 + loss2) / own.numel()                               # each token is masked once: B*L


@MODELS.register_module()
class MixMIM(BaseSelfSupervisor):
    """MixMIM pre-training algorithm (mixmim.txt Sec. 2): mix -> encode -> unmix -> decode -> Eq. 2.

    Build with ``backbone=dict(type='mimbench.MixMIMPretrainEncoder', ...)``,
    ``neck=dict(type='mmpretrain.MixMIMPretrainDecoder', ...)`` (the paper's 8x512 decoder; mmpretrain's is
    faithful) and ``head=dict(type='mimbench.MixMIMDualReconstructionHead')``. The checkpoint's ``backbone.``
    part is a ``mmpretrain.MixMIMTransformer``.

    Args:
        mix_embedding: add two learned mix embeddings per stage (one per source image) at the start of every
            encoder stage (mixmim.txt Sec. 2.3, the alternative to masked attention ablated in Table 10).
            Off by default, as in the paper; initialised from a 0.02-std truncated normal (the paper does not
            say). Stored here as ``mix_embed.<stage>`` [2, C_s], outside
            ``backbone.``, so transfer ignores them.
        **kwargs: ``BaseSelfSupervisor`` arguments (backbone, neck, head, data_preprocessor, init_cfg).
    """

    def __init__(self, *args, mix_embedding: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.mix_embed = None
        if mix_embedding:
            widths = [int(self.backbone.embed_dims * 2 ** i) for i in range(self.backbone.num_layers)]
            self.mix_embed = nn.ParameterList(
                [nn.Parameter(nn.init.trunc_normal_(torch.zeros(2, c), std=0.02)) for c in widths])

    def extract_feat(self, inputs: torch.Tensor):
        """Plain encoder features (no mixing), as in fine-tuning."""
        return self.backbone(inputs, mask=None)

    def forward_mixed(self, inputs: torch.Tensor, mask: bool | torch.Tensor = True):
        """Mix, encode, unmix, decode: (pred [2B, L, p*p*3], M [B, L]); pred rows as in the head's ``loss``.

        Args:
            inputs: [B, 3, H, W] preprocessed images.
            mask: True draws this step's mixing mask; a [B, L] 0/1 tensor uses that one (1 = own image).
        """
        latent, own = self.backbone(inputs, mask=mask, mix_embeds=self.mix_embed)  # [B, L, C4], [B, L]
        # mmpretrain's decoder marks with 1 the tokens to replace by mask tokens in its first group.
        pred = self.neck(latent, (1.0 - own).unsqueeze(-1).to(latent.dtype))  # [2B, L, p*p*3]
        return pred, own

    def loss(self, inputs: torch.Tensor, data_samples=None, **kwargs) -> dict[str, torch.Tensor]:
        """Eq. 2 on one batch."""
        pred, own = self.forward_mixed(inputs)
        return dict(loss=self.head.loss(pred, inputs, own))

    @torch.no_grad()
    def reconstruct(self, inputs: torch.Tensor) -> dict[str, torch.Tensor]:
        """Figure panels (mimbench.models.reconstruction hook): mixed input, x1 with its masked cells blanked,
        x1's reconstruction (Eq. 2's y1 at the masked cells, visible cells pasted back), original.

        Args:
            inputs: [N, 3, H, W] preprocessed images (N >= 2: the partner is the batch flipped).

        Returns:
            ordered dict name -> [N, 3, H, W] in the preprocessor's normalised pixel space.
        """
        if inputs.shape[0] < 2:
            raise ValueError(f'MixMIM mixes each image with another one of the batch; got {inputs.shape[0]} '
                             'image(s), pass at least 2.')
        pred, own = self.forward_mixed(inputs)
        head = self.head
        n, _, h, w = inputs.shape
        patches = head.patchify(inputs)                                     # [N, L, P]
        y1 = pred[:n]                                                       # [N, L, P]
        if head.norm_pix:   # back to pixels with each target patch's own statistics
            mean = patches.mean(dim=-1, keepdim=True)
            std = (patches.var(dim=-1, keepdim=True) + 1e-6) ** 0.5
            y1 = y1 * std + mean
        m = own.unsqueeze(-1)                                               # [N, L, 1]
        unpatch = head.unpatchify
        partner = patches.flip(0)
        return {
            'mixed': unpatch(patches * m + partner * (1 - m), h, w),
            'masked': unpatch(patches * m, h, w),
            'prediction': unpatch(y1 * (1 - m) + patches * m, h, w),
            'original': inputs,
        }
