"""Encoders as multi-scale backbones for Mask R-CNN's FPN (mmdet) and UperNet (mmseg).

Detection and segmentation heads want four feature maps at strides 4/8/16/32, as a ResNet gives.

- A plain ViT has one scale (stride 16). :class:`ViTMultiScale` does what mae.txt A.3 describes: the
  Transformer blocks are divided into 4 equal groups, the output of each group is taken and
  deconvolved or pooled to stride 4, 8, 16 and 32 (2 deconvolutions, 1 deconvolution, identity, max-pool;
  the layout of the BEiT segmentation code that mae.txt A.4 follows). Optionally, relative position bias
  is added to every block, initialised at zero, for MAE ViTs (mae.txt A.4: "we turn on relative position
  bias only during transfer learning, initialized as zero").
  The ViT itself is an unchanged ``mmpretrain.VisionTransformer`` held as ``self.vit``, so pre-training
  checkpoints load with their own key names (``mimbench.checkpoints.load.find_encoder`` finds it). A ViT in
  BEiT's layout (``mmpretrain.BEiTViT``: SimMIM's ViT-B, simmim.txt Sec. 4.2) works too, with its own
  relative position bias and no absolute position embedding.
- Swin (``mmpretrain.SwinTransformer`` with ``out_indices=(0, 1, 2, 3)``) and ResNet
  (``mmpretrain.ResNet``) already emit four scales and go straight into FPN/UperNet.
- ``mmpretrain.MixMIMTransformer`` returns only a pooled vector and works only at its construction
  resolution. :class:`MixMIMMultiScale` keeps its parameters (same keys as pre-training) and adds a
  forward that runs at any input size (windows padded per block) and returns the four stage outputs,
  as mixmim.txt Sec. 3 uses the hierarchical encoder directly in Mask R-CNN/UperNet.
"""
from __future__ import annotations

import functools
import math

import torch
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from mmpretrain.models import BEiTViT, MixMIMTransformer
from mmpretrain.models.utils import resize_pos_embed
from torch import nn

from mimbench.registry import MODELS


def group_ends(num_layers: int, num_groups: int = 4) -> list[int]:
    """Last block of each of ``num_groups`` equal groups (mae.txt A.3), e.g. 12 -> [2, 5, 8, 11]."""
    if num_layers % num_groups:
        raise ValueError(f'a ViT with {num_layers} blocks cannot be divided into {num_groups} equal groups '
                         f'(mae.txt A.3); expected a multiple of {num_groups}, or pass out_indices')
    size = num_layers // num_groups
    return [size * (g + 1) - 1 for g in range(num_groups)]


class RelativePositionBias(nn.Module):
    """BEiT-style relative position bias for one block over a ``grid`` of patches plus one class token.

    The table holds one bias per head for each of the ``(2H-1)(2W-1)`` relative offsets, plus three entries
    for class-token-to-patch, patch-to-class-token and class-token-to-itself. It starts at zero
    (mae.txt A.4), so at initialisation the block computes exactly what the pre-trained block computed.
    At another input size the table is resized bicubically to the new grid.
    """

    def __init__(self, grid: tuple[int, int], num_heads: int, with_cls_token: bool = True):
        super().__init__()
        self.grid = tuple(grid)
        self.num_heads = num_heads
        self.with_cls_token = with_cls_token
        num_offsets = (2 * grid[0] - 1) * (2 * grid[1] - 1)
        self.table = nn.Parameter(torch.zeros(num_offsets + 3, num_heads))  # [(2H-1)(2W-1)+3, heads]

    @staticmethod
    def index(grid: tuple[int, int], with_cls_token: bool) -> torch.Tensor:
        """Indices into the table for every (query, key) pair: ``[N, N]`` with N = H*W (+1)."""
        h, w = grid
        coords = torch.stack(torch.meshgrid(torch.arange(h), torch.arange(w), indexing='ij'))
        coords = coords.flatten(1)  # [2, HW]
        rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0)  # [HW, HW, 2]
        idx = (rel[..., 0] + h - 1) * (2 * w - 1) + (rel[..., 1] + w - 1)
        if not with_cls_token:
            return idx
        n = h * w + 1
        num_offsets = (2 * h - 1) * (2 * w - 1)
        full = torch.empty(n, n, dtype=torch.long)
        full[1:, 1:] = idx
        full[0, 1:] = num_offsets          # class token -> patches
        full[1:, 0] = num_offsets + 1      # patches -> class token
        full[0, 0] = num_offsets + 2       # class token -> itself
        return full

    def forward(self, grid: tuple[int, int]) -> torch.Tensor:
        """Bias ``[heads, N, N]`` for a ``grid`` of patches (resizing the table if it differs)."""
        table = self.table
        if tuple(grid) != self.grid:
            h0, w0 = self.grid
            offsets = table[:-3].reshape(1, 2 * h0 - 1, 2 * w0 - 1, -1).permute(0, 3, 1, 2)
            offsets = F.interpolate(offsets, size=(2 * grid[0] - 1, 2 * grid[1] - 1), mode='bicubic',
                                    align_corners=False)
            table = torch.cat([offsets.permute(0, 2, 3, 1).reshape(-1, self.num_heads), table[-3:]])
        idx = self.index(tuple(grid), self.with_cls_token).to(table.device)
        return table[idx.flatten()].reshape(*idx.shape, -1).permute(2, 0, 1)


def checkpointed(function, *args):
    """``function(*args)`` under activation checkpointing when gradients are being recorded (non-reentrant:
    correct when an input needs no gradient, e.g. behind frozen blocks), else a plain call."""
    if torch.is_grad_enabled():
        return cp.checkpoint(function, *args, use_reentrant=False)
    return function(*args)


def block_with_bias(layer: nn.Module, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """One ``mmpretrain`` ViT block (``TransformerEncoderLayer``) with an additive attention bias.

    Same computation as ``layer(x)`` plus ``bias`` in the attention logits. x: [N, L, D], bias: [heads, L, L].
    """
    attn = layer.attn
    y = layer.ln1(x)
    n, length, _ = y.shape
    qkv = attn.qkv(y).reshape(n, length, 3, attn.num_heads, attn.head_dims).permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]  # [N, heads, L, head_dims]
    drop = attn.attn_drop if attn.training else 0.
    y = F.scaled_dot_product_attention(q, k, v, attn_mask=bias.unsqueeze(0).to(q.dtype), dropout_p=drop)
    y = y.transpose(1, 2).reshape(n, length, attn.embed_dims)
    y = attn.out_drop(attn.gamma1(attn.proj_drop(attn.proj(y))))
    if attn.v_shortcut:
        raise NotImplementedError('relative position bias with v_shortcut attention is not supported')
    x = x + y
    return layer.ffn(layer.ln2(x), identity=x)


@MODELS.register_module()
class ViTMultiScale(BaseModule):
    """Plain ViT -> features at strides 4/8/16/32 for FPN (mae.txt A.3) and UperNet (mae.txt A.4).

    Args:
        vit: config of the ViT, built as given (e.g. ``dict(type='mmpretrain.VisionTransformer',
            arch='base', patch_size=16, drop_path_rate=0.1)``, or an ``mmpretrain.BEiTViT`` whose
            ``img_size`` is the input size: its relative position tables are built for that grid);
            ``out_indices``, ``out_type`` and ``final_norm`` are set here. Its keys stay those of
            pre-training (``vit.`` inside this module).
        out_indices: blocks whose outputs are taken; default the ends of 4 equal groups (mae.txt A.3).
        rel_pos_bias: add a zero-initialised relative position bias to every block (mae.txt A.4, MAE ViTs).
        norm_cfg: norm between the two deconvolutions of the stride-4 branch (BN; SyncBN on multi-GPU).
        with_cp: activation checkpointing: keep only each block's input and recompute the block in the
            backward pass (less memory, about a third more compute, same gradients). Not a recipe value.
        init_cfg: typically ``dict(type='mimbench.Pretrained', checkpoint=...)``; loads into ``self.vit``.

    Output: 4 maps ``[N, D, H/4, W/4]``, ``[N, D, H/8, W/8]``, ``[N, D, H/16, W/16]``, ``[N, D, H/32, W/32]``.
    """

    def __init__(self, vit: dict, out_indices: list[int] | None = None, rel_pos_bias: bool = False,
                 norm_cfg: dict | None = None, with_cp: bool = False, init_cfg: dict | None = None):
        super().__init__(init_cfg=init_cfg)
        self.with_cp = with_cp
        vit = dict(vit)
        vit.update(out_type='featmap', final_norm=False, out_indices=[-1])
        self.vit = MODELS.build(vit)
        num_layers = len(self.vit.layers)
        self.out_indices = list(out_indices) if out_indices is not None else group_ends(num_layers)
        if len(self.out_indices) != 4 or any(not 0 <= i < num_layers for i in self.out_indices):
            raise ValueError(f'out_indices must name 4 blocks of the {num_layers}-block ViT, '
                             f'got {self.out_indices}')
        patch = self.vit.patch_embed.projection.stride
        if tuple(patch) != (16, 16):
            raise ValueError(f'ViTMultiScale makes strides 4/8/16/32 from a stride-16 ViT; found patch '
                             f'stride {tuple(patch)}. Use patch_size=16 (as MAE/SimMIM/CiM ViTs do).')
        dim = self.vit.embed_dims
        self.embed_dims = dim
        norm_cfg = norm_cfg or dict(type='BN')
        self.fpn1 = nn.Sequential(nn.ConvTranspose2d(dim, dim, 2, 2), build_norm_layer(norm_cfg, dim)[1],
                                  nn.GELU(), nn.ConvTranspose2d(dim, dim, 2, 2))  # stride 16 -> 4
        self.fpn2 = nn.ConvTranspose2d(dim, dim, 2, 2)                            # stride 16 -> 8
        self.fpn3 = nn.Identity()                                                  # stride 16
        self.fpn4 = nn.MaxPool2d(2, 2)                                             # stride 16 -> 32
        self.rel_pos_bias = None
        if rel_pos_bias and isinstance(self.vit, BEiTViT):
            raise ValueError('rel_pos_bias adds a zero-initialised relative position bias to a ViT without '
                             "one (mae.txt A.4); this BEiTViT has its own (BEiT's / SimMIM's layout): drop "
                             'rel_pos_bias=True')
        if rel_pos_bias:
            grid = tuple(self.vit.patch_resolution)
            with_cls = self.vit.cls_token is not None
            heads = self.vit.layers[0].attn.num_heads
            self.rel_pos_bias = nn.ModuleList(
                RelativePositionBias(grid, heads, with_cls) for _ in self.vit.layers)

    @property
    def out_channels(self) -> list[int]:
        return [self.embed_dims] * 4

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        vit = self.vit
        n = x.shape[0]
        x, grid = vit.patch_embed(x)  # x: [N, HW, D]
        if vit.cls_token is not None:
            x = torch.cat((vit.cls_token.expand(n, -1, -1), x), dim=1)
        if vit.pos_embed is not None:   # None in BEiT's layout
            x = x + resize_pos_embed(vit.pos_embed, vit.patch_resolution, grid, mode=vit.interpolate_mode,
                                     num_extra_tokens=vit.num_extra_tokens)
        x = vit.drop_after_pos(x)
        if hasattr(vit, 'pre_norm'):
            x = vit.pre_norm(x)
        maps = []
        for i, layer in enumerate(self._blocks(tuple(grid))):
            if self.rel_pos_bias is None:
                block, args = layer, (x,)
            else:
                block, args = block_with_bias, (layer, x, self.rel_pos_bias[i](grid))
            x = checkpointed(block, *args) if self.with_cp else block(*args)
            if i in self.out_indices:
                patches = x[:, vit.num_extra_tokens:]  # [N, HW, D]
                maps.append(patches.transpose(1, 2).reshape(n, -1, *grid))  # [N, D, H, W]
            if i == max(self.out_indices):
                break
        return tuple(op(m) for op, m in zip((self.fpn1, self.fpn2, self.fpn3, self.fpn4), maps))

    def _blocks(self, grid: tuple[int, int]) -> list:
        """The ViT's blocks as functions of the tokens: BEiT's blocks also take the shared relative position
        bias (None when each block has its own table), built for the ViT's ``img_size`` grid."""
        vit = self.vit
        if not isinstance(vit, BEiTViT):
            return list(vit.layers)
        if grid != tuple(vit.patch_resolution):
            raise ValueError(f'the BEiTViT inside ViTMultiScale has relative position tables for a '
                             f'{tuple(vit.patch_resolution)} grid (img_size), the input gives {grid}: set '
                             'vit.img_size to the (padded) input size; the loader resizes the tables')
        shared = vit.rel_pos_bias() if vit.rel_pos_bias is not None else None
        return [functools.partial(layer, rel_pos_bias=shared) for layer in vit.layers]


def _pad_to_windows(x: torch.Tensor, window: int) -> tuple[torch.Tensor, int, int]:
    """x: [N, H, W, C] -> padded to multiples of ``window`` (bottom/right, zeros); returns padded H, W."""
    _, h, w, _ = x.shape
    ph, pw = (window - h % window) % window, (window - w % window) % window
    if ph or pw:
        x = F.pad(x, (0, 0, 0, pw, 0, ph))
    return x, h + ph, w + pw


@MODELS.register_module()
class MixMIMMultiScale(MixMIMTransformer):
    """``mmpretrain.MixMIMTransformer`` emitting its 4 stage outputs at any input size (mixmim.txt Sec. 3, 8).

    Same parameters and key names as the pre-training encoder (checkpoints load unchanged). The forward
    resizes the absolute position embedding to the input's patch grid and pads each block's input to a
    multiple of its window, so detection's variable image sizes work. Stage ``i`` output is taken before
    the patch merging; the last stage goes through the encoder's own final ``norm``, earlier stages through
    a parameter-free LayerNorm (so no new keys appear; FPN/UperNet's 1x1 lateral convs rescale freely).

    Args:
        out_indices: stages to output, default all four.
        block_windows: per-block window sizes overriding the stage's, keyed ``'<stage>.<block>'`` (0-based),
            e.g. ``{'2.5': 32, '2.11': 32, '2.17': 32}``: mixmim.txt Sec. 3 (COCO) changes "the window sizes
            of the 6th-, 12th-, and 18th-block in stage-3 to 32x32 for cross-window interactions". Those
            blocks' relative position tables are resized from the checkpoint's by the loader.
        with_cp: activation checkpointing of every block (recomputed in the backward pass; less memory, same
            gradients). mmpretrain's own ``use_checkpoint`` switch is honoured too.
        **kwargs: ``mmpretrain.MixMIMTransformer`` arguments (arch, img_size, window_size, drop_path_rate...).

    Output: ``[N, C*2**i, H/(4*2**i), W/(4*2**i)]`` for i in out_indices (patch size 4).
    """

    def __init__(self, out_indices=(0, 1, 2, 3), block_windows: dict | None = None, with_cp: bool = False,
                 **kwargs):
        super().__init__(**kwargs)
        self.with_cp = with_cp or self.use_checkpoint
        self.out_indices = tuple(out_indices)
        for key, window in (block_windows or {}).items():
            stage, index = (int(v) for v in str(key).split('.'))
            if stage >= len(self.layers) or index >= len(self.layers[stage].blocks):
                depths = [len(layer.blocks) for layer in self.layers]
                raise ValueError(f'block_windows names block {key!r}, but the stages have {depths} blocks; '
                                 'expected 0-based "<stage>.<block>" keys')
            self._set_block_window(self.layers[stage].blocks[index], int(window))

    @staticmethod
    def _set_block_window(block: nn.Module, window: int) -> None:
        """Rebuild ``block``'s window attention for ``window`` (same parameter names; table shape changes)."""
        from mmpretrain.models.backbones.mixmim import MixMIMWindowAttention
        old = block.attn
        block.attn = MixMIMWindowAttention(
            embed_dims=old.embed_dims, window_size=(window, window), num_heads=old.num_heads,
            qkv_bias=old.qkv.bias is not None, attn_drop_rate=old.attn_drop.p, proj_drop_rate=old.proj_drop.p)
        block.window_size = window

    @property
    def out_channels(self) -> list[int]:
        return [int(self.embed_dims * 2 ** i) for i in self.out_indices]

    @staticmethod
    def _block(block: nn.Module, x: torch.Tensor, hw: tuple[int, int]) -> torch.Tensor:
        """One MixMIM block at resolution ``hw``. x: [N, H*W, C]."""
        h, w = hw
        n, _, c = x.shape
        window = block.window_size
        shortcut = x
        y = block.ln1(x).view(n, h, w, c)
        y, hp, wp = _pad_to_windows(y, window)
        windows = block.window_partition(y, window).view(-1, window * window, c)  # [N*nW, ws*ws, C]
        windows = block.attn(windows).view(-1, window, window, c)
        y = block.window_reverse(windows, hp, wp, window)[:, :h, :w].reshape(n, h * w, c)
        x = shortcut + block.drop_path(y)
        return block.ffn(block.norm2(x), identity=x)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        n = x.shape[0]
        x, hw = self.patch_embed(x)  # x: [N, HW, C]
        x = x + resize_pos_embed(self.absolute_pos_embed, self.patch_resolution, hw, mode='bicubic',
                                 num_extra_tokens=0)
        x = self.drop_after_pos(x)
        outs = []
        for i, stage in enumerate(self.layers):
            for block in stage.blocks:
                x = checkpointed(self._block, block, x, hw) if self.with_cp else self._block(block, x, hw)
            if i in self.out_indices:
                y = self.norm(x) if i == len(self.layers) - 1 else F.layer_norm(x, x.shape[-1:])
                outs.append(y.transpose(1, 2).reshape(n, -1, *hw))  # [N, C_i, H_i, W_i]
            if stage.downsample is not None:
                x, hw = stage.downsample(x, hw)
        return tuple(outs)


def output_strides(backbone: nn.Module, size: int = 64) -> list[int]:
    """Strides of a backbone's outputs on a ``size`` x ``size`` input (for checks and tests)."""
    was_training = backbone.training
    backbone.eval()
    with torch.no_grad():
        outs = backbone(torch.zeros(1, 3, size, size))
    backbone.train(was_training)
    return [math.ceil(size / o.shape[-1]) for o in outs]


@MODELS.register_module()
class FeatureBatchNorm(BaseModule):
    """Neck for linear probing: BatchNorm without affine on the encoder's features (mae.txt A.1, Table 10).

    "We adopt an extra BatchNorm layer without affine transformation (affine=False) ... applied on the
    pre-trained features ... before the linear classifier"; it can be folded into the linear layer afterwards.

    Args:
        in_channels: feature dimension D.
    Input/output: a tuple of ``[N, D]`` features (mmpretrain backbone/neck convention).
    """

    def __init__(self, in_channels: int, init_cfg: dict | None = None):
        super().__init__(init_cfg=init_cfg)
        self.bn = nn.BatchNorm1d(in_channels, affine=False, eps=1e-6)

    def forward(self, inputs: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
        return tuple(self.bn(x) for x in inputs)  # x: [N, D]
