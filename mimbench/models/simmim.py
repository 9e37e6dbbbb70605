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
  one. The paper's ViT-B follows BEiT's code, and so does this encoder, as SimMIM's release builds it
  (microsoft/SimMIM models/simmim.py ``VisionTransformerForSimMIM`` with configs/vit_base__800ep: USE_APE
  False, USE_SHARED_RPB True, INIT_VALUES 0.1, QKV_BIAS True): no absolute position embedding, one relative
  position bias shared by all blocks, layer scale initialised at 0.1, q and v biases (no k bias), a class
  token, a final LayerNorm (eps 1e-6), and the mask token substituted for masked patch embeddings before
  the blocks. It is mmpretrain's ``BEiTPretrainViT`` (the same layout, mask-token forward and BEiT
  initialisation) with SimMIM's output: the patch tokens as a [N, D, H/16, W/16] map for the linear decoder
  (encoder stride 16). Its checkpoint has BEiT's layout, which the SimMIM ViT-B fine-tuning recipe's
  ``mmpretrain.BEiTViT`` takes, the shared table copied into every block
  (mimbench.checkpoints.load, as SimMIM's utils.py ``remap_pretrained_keys_vit``).
- ``SimMIM``: mmpretrain's algorithm that also generates its mask in the model when the data samples
  carry none (benchmarks, figures), and ``reconstruct()`` for the masked / prediction / original panels
  of simmim.txt Fig. 4.

Learning rate: the paper gives lr 8e-4 at total batch 2048 (Sec. 4.1.1). The official code writes this as
``2e-4 * batch / 512``, which is the same linear rule; configs therefore state lr = 8e-4 with
``auto_scale_lr.base_batch_size = 2048`` and note the official form.
"""
from __future__ import annotations

import copy

import torch
from mmengine.model.weight_init import trunc_normal_
from mmpretrain.models import BEiTPretrainViT
from mmpretrain.models.selfsup.simmim import SimMIM as MMPretrainSimMIM
from torch import nn

from mimbench.models.masking import random_cell_mask
from mimbench.registry import MODELS


# SimMIM's ViT initialisation (release models/vision_transformer.py ``_init_weights``): truncated normal
# (std .02) for linear and convolution weights, zero biases, LayerNorms at 1 / 0
SIMMIM_VIT_INIT = [dict(type='TruncNormal', layer=['Linear', 'Conv2d'], std=.02, bias=0.),
                   dict(type='Constant', layer='LayerNorm', val=1., bias=0.)]


@MODELS.register_module()
class SimMIMViT(BEiTPretrainViT):
    """SimMIM's ViT encoder (simmim.txt Sec. 3.1, 4.2), BEiT's layout as the release builds it (module doc).

    Arguments are ``mmpretrain.BEiTPretrainViT``'s, whose defaults are SimMIM's pre-training settings (no
    absolute position embedding, shared relative position bias, layer scale 0.1, final norm). ``forward(x,
    mask)`` with a token mask [N, H/p, W/p] (1 = masked) returns ``(featmap [N, D, H/p, W/p],)``; with
    ``mask=None`` it is the plain BEiT ViT forward with ``out_type`` (feature extraction).
    """

    def __init__(self, *args, out_type: str = 'featmap', init_cfg=None, **kwargs) -> None:
        init_cfg = copy.deepcopy(SIMMIM_VIT_INIT) if init_cfg is None else init_cfg
        super().__init__(*args, out_type=out_type, init_cfg=init_cfg, **kwargs)

    def init_weights(self) -> None:
        """SimMIM's initialisation: the init_cfg above on every layer, then the class and mask tokens (std
        .02; the mask token truncated at one std, ``VisionTransformerForSimMIM``) and BEiT's rescaling of
        each block's output projections by 1/sqrt(2 * depth) (``fix_init_weight``). mmpretrain's blocks
        re-initialise their FFNs in their own ``init_weights``, so the rule is applied again after them."""
        super().init_weights()
        if isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained':
            return
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Conv2d)):
                trunc_normal_(module.weight, std=.02)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.LayerNorm):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
        trunc_normal_(self.cls_token, std=.02)
        trunc_normal_(self.mask_token, std=.02, a=-.02, b=.02)
        self.rescale_init_weight()

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None):
        if mask is None:
            return super().forward(x, None)
        stride = self.patch_embed.projection.stride
        hw = (x.shape[-2] // stride[0], x.shape[-1] // stride[1])
        if hw != tuple(self.patch_resolution):
            raise ValueError(f'SimMIMViT: pre-training runs at the resolution the shared relative position '
                             f'bias was built for, {tuple(self.patch_resolution)} tokens (img_size); the '
                             f'input gives {hw}: set the backbone img_size to the training crop size')
        if tuple(mask.shape[1:]) != hw:
            raise ValueError(f'SimMIMViT: the mask must have one entry per patch token, {hw}, got '
                             f'{tuple(mask.shape[1:])}; set the mask generator model_patch_size to the ViT '
                             f'patch size and input_size to the image size')
        tokens = super().forward(x, mask)[-1]                                       # [N, 1 + L, D], normed
        patches = tokens[:, self.num_extra_tokens:]                                 # [N, L, D]
        return (patches.transpose(1, 2).reshape(x.shape[0], -1, *hw),)              # [N, D, h, w]


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
