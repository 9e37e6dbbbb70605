"""Corrupted Image Modeling (CiM): generator corrupts, enhancer restores or detects (cim.txt Sec. 2, Fig. 1b).

One training step for a batch ``x: [N, 3, H, W]`` (normalised by the data preprocessor), cim.txt Sec. 2.3:

1. Golden tokens: the frozen tokenizer encodes the image at the token view, ``H / patch * d`` pixels
   (112 px for 224 px, patch 16 and DALL-E's 8x8 pixels per token), so there is one visual token per
   16x16 patch, as BEiT's second view. BEiT makes that view in the data pipeline with a Lanczos resize;
   here the model resizes the crop (bicubic, antialiased), so any image folder works unchanged.
2. Generator: ``k`` random positions per image (``num_masked``, 100-120 of 196, cim.txt Table 9) are
   replaced by [MASK] in the small BEiT (``CiMGenerator``), trained with the cross-entropy of the golden
   tokens there (Eq. 1).
3. Corruption: a token is sampled from the BEiT softmax at temperature 1 at every masked position
   (Eq. 2, Table 7); sampled + golden tokens go through the frozen decoder; the decoded image (at the token
   view size) is resized back to ``H x W`` (bilinear; the paper does not say how its 112 px decoder output
   meets the 224 px enhancer) and normalised like the input. All of this runs without autograd: "The
   gradients of the enhancer are not back-propagated through the generator" (Sec. 2.3).
4. Enhancer (``backbone``: ``mmpretrain.VisionTransformer`` ViT-S/16 / ViT-B/16 with ``out_type='featmap'``,
   or ``mmpretrain.ResNet`` depth 50) on the corrupted image, then a linear head
   (``mimbench.models.cim.objectives``): RESPIX regresses the sliding-window-normalised original pixels
   (l1 + l2, weight 10), REVDET classifies every token as replaced or not (BCE, weight 1) (Table 9).

Loss = generator cross-entropy + weight x enhancer loss; both networks are trained simultaneously
(Sec. 2.3, "synergistically (rather than adversarially)"). With ``num_shared_layers=2`` (ViT enhancers,
Table 5: 83.3 vs 83.1) the generator runs the enhancer's patch embedding and first two layers, which then
receive gradients from both losses; the generator's own parameters never get the enhancer's gradient.

The ablations of cim.txt Tables 4, 6 and 7 are options: ``masking='blockwise'`` (BEiT's), ``target_norm=
'patch'`` (MAE's non-overlapping windows) or ``'none'``, ``sampling='argmax'`` or ``'uniform'``.

The enhancer is the ``backbone``: its ``backbone.`` state dict is a plain mmpretrain ViT / ResNet and loads
strictly into the transfer configs. The generator is ``generator.``, the tokenizer ``tokenizer.``, the head
``head.`` (kept for resuming).
"""
from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn.functional as F
from mmpretrain.models.selfsup.base import BaseSelfSupervisor

from mimbench.models.cim.generator import (
    SAMPLING,
    blockwise_count_mask,
    random_count_mask,
    sample_replacements,
)
from mimbench.models.cim.objectives import (
    TARGETS,
    respix_denormalize,
    respix_loss,
    respix_target,
    revdet_labels,
    revdet_loss,
)
from mimbench.registry import MODELS

OBJECTIVES = ('respix', 'revdet')


def freeze_as_buffers(module: torch.nn.Module) -> torch.nn.Module:
    """Turn every parameter of ``module`` into a persistent buffer of the same name (the frozen tokenizer).

    The weights keep their state-dict keys (checkpoints, ``load_state_dict`` and the tokenizers' own loaders work
    unchanged) but are no parameters any more: optimisers, gradient clipping and parameter counts see only
    what CiM trains, and mmengine's optimiser builder does not log a warning per frozen weight.
    """
    for sub in module.modules():
        for name, param in list(sub._parameters.items()):
            if param is not None:
                del sub._parameters[name]
                sub.register_buffer(name, param.detach().requires_grad_(False))
    return module


@MODELS.register_module()
class CiM(BaseSelfSupervisor):
    """CiM pre-training algorithm (cim.txt Sec. 2).

    Args:
        backbone: the enhancer (``mmpretrain.VisionTransformer`` with ``out_type='featmap'`` or
            ``mmpretrain.ResNet``); its last output is the feature map the head reads.
        tokenizer: frozen image tokenizer (``mimbench.DALLETokenizer`` as the paper, or
            ``mimbench.VQTokenizer``).
        generator: the small BEiT (``mimbench.CiMGenerator``); ``vocab_size`` is taken from the tokenizer.
        head: ``mimbench.CiMPixelHead`` (RESPIX) or ``mimbench.CiMTokenDetectionHead`` (REVDET).
        objective: 'respix' or 'revdet' (cim.txt Sec. 2.2).
        enhancer_loss_weight: 10 for RESPIX, 1 for REVDET (cim.txt Table 9).
        num_masked: masked positions per image, an int or a range (lo, hi) drawn per image (Table 9: 100-120).
        num_shared_layers: 0, or the number of the enhancer's first layers shared with the generator together
            with its patch embedding (2 in cim.txt Table 5; ViT enhancers only).
        temperature: of the generator's softmax when sampling (1, cim.txt Sec. 2.1).
        window_size: side of RESPIX's normalisation window (8, cim.txt Sec. 2.2).
        patch_size: pixels per visual token in the input image (16, cim.txt Table 9).
        masking: 'random' (the paper's) or 'blockwise' (BEiT's; ablation of cim.txt Table 4).
        sampling: 'softmax' (the paper's), 'argmax' or 'uniform' (ablations of cim.txt Table 7).
        target_norm: RESPIX target, 'sliding' (the paper's), 'patch' (MAE's) or 'none' (cim.txt Table 6).
    """

    def __init__(self, backbone: dict, tokenizer: dict, generator: dict, head: dict,
                 objective: str = 'respix', enhancer_loss_weight: float = 10.0,
                 num_masked: int | tuple[int, int] = (100, 120), num_shared_layers: int = 0,
                 temperature: float = 1.0, window_size: int = 8, patch_size: int = 16,
                 masking: str = 'random', sampling: str = 'softmax', target_norm: str = 'sliding',
                 data_preprocessor: dict | None = None, init_cfg=None):
        if objective not in OBJECTIVES:
            raise ValueError(f'objective must be one of {OBJECTIVES} (cim.txt Sec. 2.2), got {objective!r}')
        if masking not in ('random', 'blockwise'):
            raise ValueError(f"masking must be 'random' or 'blockwise' (cim.txt Table 4), got {masking!r}")
        if sampling not in SAMPLING or target_norm not in TARGETS:
            raise ValueError(f'sampling must be one of {SAMPLING} (cim.txt Table 7) and target_norm one of '
                             f'{TARGETS} (Table 6); got {sampling!r}, {target_norm!r}')
        super().__init__(backbone=backbone, head=head, data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.objective, self.enhancer_loss_weight = objective, enhancer_loss_weight
        self.num_masked = tuple(num_masked) if isinstance(num_masked, (list, tuple)) else num_masked
        self.temperature, self.window_size, self.patch_size = temperature, window_size, patch_size
        self.masking, self.sampling, self.target_norm = masking, sampling, target_norm
        self.tokenizer = freeze_as_buffers(MODELS.build(tokenizer))
        generator = dict(generator)
        generator.setdefault('vocab_size', self.tokenizer.vocab_size)
        if generator['vocab_size'] != self.tokenizer.vocab_size:
            raise ValueError(f'generator vocab_size {generator["vocab_size"]} != tokenizer vocab_size '
                             f'{self.tokenizer.vocab_size}; leave generator.vocab_size unset')
        self.generator = MODELS.build(generator)
        if num_shared_layers:
            self.generator.share_with(self.backbone, num_shared_layers)

    def train(self, mode: bool = True):
        """The tokenizer stays in eval mode (cim.txt Sec. 2.3 "the whole image tokenizer is frozen")."""
        super().train(mode)
        self.tokenizer.eval()
        return self

    # ---- pixel spaces -------------------------------------------------------------------------------------
    def _to_unit(self, x: torch.Tensor) -> torch.Tensor:
        """Normalised input -> RGB in [0, 1]."""
        dp = self.data_preprocessor
        return ((x * dp.std + dp.mean) / 255.0).clamp(0, 1)

    def _from_unit(self, x: torch.Tensor) -> torch.Tensor:
        dp = self.data_preprocessor
        return (x * 255.0 - dp.mean) / dp.std

    # ---- the generator ------------------------------------------------------------------------------------
    @torch.no_grad()
    def golden_tokens(self, inputs: torch.Tensor) -> torch.Tensor:
        """Tokenizer ids of the token view of the images: [N, H/p, W/p] (cim.txt Sec. 2.1 "golden tokens")."""
        h, w = inputs.shape[-2:]
        if h % self.patch_size or w % self.patch_size:
            raise ValueError(f'image size {(h, w)} must be a multiple of patch_size {self.patch_size}')
        scale = self.tokenizer.downsample
        view = (h // self.patch_size * scale, w // self.patch_size * scale)
        unit = self._to_unit(inputs.float())
        if view != (h, w):
            unit = F.interpolate(unit, size=view, mode='bicubic', align_corners=False, antialias=True)
            unit = unit.clamp(0, 1)
        return self.tokenizer.encode(unit)

    @torch.no_grad()
    def corrupt(self, inputs: torch.Tensor, golden: torch.Tensor, mask: torch.Tensor, logits: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """Sample replacements at masked positions and decode (cim.txt Eq. 2).

        Args:
            inputs: [N, 3, H, W]; golden: [N, h, w]; mask: [N, L] bool; logits: [N, L, V].
        Returns:
            (corrupted image [N, 3, H, W] normalised like ``inputs``, corrupted ids [N, L]).
        """
        sampled = sample_replacements(logits.detach(), self.sampling, self.temperature)  # [N, L]
        ids = torch.where(mask, sampled, golden.flatten(1))             # Eq. 2: replace(g, m, x_sampling)
        image = self.tokenizer.decode(ids.view_as(golden)).float()                     # [N, 3, h*d, w*d]
        if image.shape[-2:] != inputs.shape[-2:]:
            image = F.interpolate(image, size=inputs.shape[-2:], mode='bilinear', align_corners=False)
        return self._from_unit(image.clamp(0, 1)).to(inputs.dtype), ids

    def generate(self, inputs: torch.Tensor) -> dict[str, torch.Tensor]:
        """Run the generator: golden tokens, mask, BEiT logits, corrupted image and ids."""
        golden = self.golden_tokens(inputs)                                            # [N, h, w]
        n, num_tokens = golden.shape[0], golden[0].numel()
        if self.masking == 'random':
            mask = random_count_mask(n, num_tokens, self.num_masked, device=inputs.device)  # [N, L]
        else:
            mask = blockwise_count_mask(n, tuple(golden.shape[1:]), self.num_masked).to(inputs.device)
        logits = self.generator(inputs, mask)                                          # [N, L, V]
        corrupted, ids = self.corrupt(inputs, golden, mask, logits)
        return {'golden': golden.flatten(1), 'mask': mask, 'logits': logits, 'corrupted': corrupted,
                'ids': ids}

    # ---- the enhancer -------------------------------------------------------------------------------------
    def enhance(self, corrupted: torch.Tensor) -> torch.Tensor:
        """Enhancer + linear head: [N, 3, H, W] -> pixels [N, 3, H, W] (RESPIX) or logits [N, L] (REVDET)."""
        feat = self.backbone(corrupted)[-1]                                            # [N, C, H/s, W/s]
        return self.head(feat)

    def loss(self, inputs, data_samples=None, **kwargs) -> dict[str, torch.Tensor]:
        """Generator cross-entropy + weighted enhancer loss (cim.txt Sec. 2.3, Table 9)."""
        x = inputs[0] if isinstance(inputs, (list, tuple)) else inputs                # x: [N, 3, H, W]
        gen = self.generate(x)
        loss_gen, acc_gen = self.generator.loss(gen['logits'], gen['golden'], gen['mask'])
        out = self.enhance(gen['corrupted'])
        replaced = revdet_labels(gen['ids'], gen['golden'])                            # [N, L]
        if self.objective == 'respix':
            target = respix_target(x, self.target_norm, self.window_size, self.patch_size)
            loss_enh = respix_loss(out, target)
        else:
            loss_enh = revdet_loss(out, replaced)
        return {'loss_generator': loss_gen, 'loss_enhancer': self.enhancer_loss_weight * loss_enh,
                'acc_generator': acc_gen.detach(), 'replaced_ratio': replaced.mean().detach()}

    def extract_feat(self, inputs: torch.Tensor):
        return self.backbone(inputs)

    @torch.no_grad()
    def reconstruct(self, inputs: torch.Tensor) -> dict[str, torch.Tensor]:
        """Panels of cim.txt Fig. 3: original / masked (generator input) / corrupted / enhancer output.

        RESPIX output is de-normalised with the original's window statistics (cim.txt footnote 1: "we have to
        inject the original image's information in order to visualize"). REVDET output shows the corrupted
        image darkened where the enhancer predicts "replaced" (probability per token).

        Args:
            inputs: [N, 3, H, W], already through the data preprocessor.
        Returns:
            ordered dict name -> [N, 3, H, W] in the preprocessor's normalised pixel space.
        """
        gen = self.generate(inputs)
        n, _, h, w = inputs.shape
        grid = (h // self.patch_size, w // self.patch_size)
        token_mask = gen['mask'].view(n, 1, *grid).float()
        # [N, 1, H, W], 1 = masked
        pixel_mask = F.interpolate(token_mask, size=(h, w), mode='nearest')
        out = self.enhance(gen['corrupted'])
        if self.objective == 'respix':
            output = respix_denormalize(out, inputs, self.target_norm, self.window_size, self.patch_size)
        else:
            prob = torch.sigmoid(out.float()).view(n, 1, *grid)
            keep = 1 - F.interpolate(prob, size=(h, w), mode='nearest')
            output = self._from_unit(self._to_unit(gen['corrupted']) * keep)
        return OrderedDict(original=inputs, masked=self._from_unit(self._to_unit(inputs) * (1 - pixel_mask)),
                           corrupted=gen['corrupted'], output=output)
