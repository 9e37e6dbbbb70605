"""A small VQ-VAE image tokenizer that mimbench trains itself, for offline CiM runs and tests.

CiM needs a frozen image tokenizer with an encoder to discrete tokens and a decoder back to pixels
(cim.txt Sec. 2.1); the paper uses DALL-E's dVAE (``mimbench.models.tokenizers.dall_e``) and names other
tokenizers as drop-in alternatives (cim.txt Sec. 3.4 "other image tokenizers ... deserve an in-depth study").
Where the DALL-E files cannot be had, ``VQTokenizer`` is a vector-quantised autoencoder (van den Oord et al.,
2017, cited by cim.txt Sec. 2.1) with the same geometry as DALL-E (one token per 8x8 pixels) and the same
interface, so a CiM config selects it by swapping ``model.tokenizer``.

Not from the four papers, so its values are plain VQ-VAE choices: encoder features standardised per channel
(BatchNorm without affine parameters) and projected to unit length, unit-length codes,
nearest-neighbour quantisation, codebook initialised from the first batch's encoder outputs and updated by
exponential moving averages (decay 0.99), codes used less than 3% of a fair share restarted at encoder
outputs, commitment weight 0.25, straight-through gradients, MSE reconstruction on [0, 1] pixels.
The standardisation is what keeps training alive: a randomly initialised convolutional encoder's outputs
share one dominant direction (post-ReLU inputs, layer biases), so on the unit sphere every position lands on
nearly the same point, the data-initialised codes are nearly one code, the decoder can only learn the mean
image and the commitment loss holds the encoder there. Without it, the smoke tokenizer trained 300
iterations on the proxy corpus kept its reconstruction error at the pixel variance (MSE 0.080 vs 0.082, code
spread 0.001) with 8 of 64 codes used; with it the error fell to 0.025-0.043 and all 64 codes were used
(``tests/test_tokenizers.py`` checks that it learns more than the mean image).
``VQTokenizerPretrainer`` trains it on any image folder
(``configs/pretrain/cim/vqtokenizer_f8-k1024_8xb64-adamw-100e_in1k.py``); CiM loads the result through
``VQTokenizer(checkpoint=...)`` (``cim-respix_vit-base-p16-vqtok_*.py``).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.model import BaseModel, BaseModule
from mmengine.runner.checkpoint import _load_checkpoint, _load_checkpoint_to_model
from torch import nn

from mimbench.registry import MODELS


class _ResBlock(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(nn.ReLU(), nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU(),
                                  nn.Conv2d(channels, channels, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


@MODELS.register_module()
class VQTokenizer(BaseModule):
    """VQ-VAE tokenizer: ``encode`` RGB [N, 3, H, W] in [0, 1] -> ids [N, H/8, W/8], ``decode`` back.

    Args:
        vocab_size: codebook size K.
        code_dims: width of a code vector.
        channels: width of the convolutional encoder/decoder.
        num_res_blocks: residual blocks at the lowest resolution, in encoder and decoder each.
        downsample_steps: stride-2 convolutions; 3 gives DALL-E's 8 pixels per token.
        ema_decay: decay of the codebook's moving averages (0 < d < 1).
        checkpoint: a ``VQTokenizerPretrainer`` checkpoint (keys ``tokenizer.*``) loaded in ``init_weights``;
            None keeps random weights (tests and smoke runs only).
    """

    def __init__(self, vocab_size: int = 1024, code_dims: int = 64, channels: int = 128,
                 num_res_blocks: int = 2, downsample_steps: int = 3, ema_decay: float = 0.99,
                 checkpoint: str | None = None, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.vocab_size, self.code_dims, self.ema_decay = vocab_size, code_dims, ema_decay
        self.checkpoint = checkpoint
        self.downsample = 2 ** downsample_steps
        down, up = [nn.Conv2d(3, channels, 3, padding=1)], []
        for _ in range(downsample_steps):
            down += [nn.ReLU(), nn.Conv2d(channels, channels, 4, stride=2, padding=1)]
            up += [nn.ReLU(), nn.ConvTranspose2d(channels, channels, 4, stride=2, padding=1)]
        # the last layer standardises each code channel over the batch (BatchNorm, no affine parameters)
        # before ``features`` projects onto the unit sphere; see the module docstring
        self.encoder = nn.Sequential(*down, *[_ResBlock(channels) for _ in range(num_res_blocks)],
                                     nn.ReLU(), nn.Conv2d(channels, code_dims, 1),
                                     nn.BatchNorm2d(code_dims, affine=False))
        self.decoder = nn.Sequential(nn.Conv2d(code_dims, channels, 3, padding=1),
                                     *[_ResBlock(channels) for _ in range(num_res_blocks)], *up,
                                     nn.ReLU(), nn.Conv2d(channels, 3, 3, padding=1))
        self.register_buffer('codebook', F.normalize(torch.randn(vocab_size, code_dims), dim=1))   # [K, d]
        self.register_buffer('ema_count', torch.ones(vocab_size))
        self.register_buffer('ema_sum', self.codebook.clone())
        self.register_buffer('initialised', torch.zeros((), dtype=torch.bool))

    def init_weights(self) -> None:
        if self.checkpoint is None:
            super().init_weights()
            return
        state = _load_checkpoint(self.checkpoint, map_location='cpu')
        state = state.get('state_dict', state)
        own = {k[len('tokenizer.'):]: v for k, v in state.items() if k.startswith('tokenizer.')}
        if not own:
            raise RuntimeError(f'{self.checkpoint} has no "tokenizer.*" keys; expected a checkpoint '
                               'written by '
                               'training a mimbench.VQTokenizerPretrainer config '
                               '(configs/pretrain/cim/vqtokenizer_*).')
        stats = [f'encoder.{len(self.encoder) - 1}.{k}' for k in ('running_mean', 'running_var')]
        if not any(k in own for k in stats):
            raise RuntimeError(f'{self.checkpoint} is a VQTokenizer checkpoint from before its encoder '
                               f'standardised the code channels (no {" or ".join(stats)}); such tokenizers '
                               'collapse to the mean image during training. Train it again with '
                               'configs/pretrain/cim/vqtokenizer_f8-k1024_8xb64-adamw-100e_in1k.py.')
        _load_checkpoint_to_model(self, own, strict=True)
        self._is_init = True

    def quantize(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Encoder features [N, d, h, w] -> (nearest code ids [N, h, w], code vectors [N, d, h, w])."""
        flat = z.permute(0, 2, 3, 1).reshape(-1, self.code_dims)                    # [N*h*w, d]
        dist = flat.pow(2).sum(1, keepdim=True) - 2 * flat @ self.codebook.t() + self.codebook.pow(2).sum(1)
        ids = dist.argmin(dim=1).view(z.shape[0], *z.shape[2:])                     # [N, h, w]
        return ids, self.embed(ids)

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """Token ids [N, h, w] -> code vectors [N, d, h, w]."""
        return F.embedding(ids, self.codebook).permute(0, 3, 1, 2)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """RGB in [0, 1] [N, 3, H, W] -> unit-length code-space features [N, d, H/8, W/8]."""
        return F.normalize(self.encoder(images * 2 - 1), dim=1)

    @torch.no_grad()
    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """RGB in [0, 1] [N, 3, H, W] -> token ids [N, H/8, W/8]."""
        return self.quantize(self.features(images))[0]

    @torch.no_grad()
    def decode(self, ids: torch.Tensor) -> torch.Tensor:
        """Token ids [N, h, w] -> RGB in [0, 1] [N, 3, 8h, 8w]."""
        return torch.sigmoid(self.decoder(self.embed(ids)))

    @torch.no_grad()
    def init_codebook(self, z: torch.Tensor) -> None:
        """Codes start at encoder outputs of the first training batch (data-dependent, avoids collapse)."""
        flat = z.permute(0, 2, 3, 1).reshape(-1, self.code_dims)
        picks = flat[torch.randint(0, flat.shape[0], (self.vocab_size,), device=flat.device)]
        picks = picks + 0.01 * flat.std() * torch.randn_like(picks)      # distinct even when picks repeat
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            torch.distributed.broadcast(picks, 0)
        picks = F.normalize(picks, dim=1)
        self.codebook.copy_(picks)
        self.ema_sum.copy_(picks)
        self.ema_count.fill_(1.0)
        self.initialised.fill_(True)

    @torch.no_grad()
    def update_codebook(self, z: torch.Tensor, ids: torch.Tensor) -> None:
        """EMA k-means step on a batch of encoder features; codes below 3% of a fair share restart at random
        features."""
        flat = z.permute(0, 2, 3, 1).reshape(-1, self.code_dims)
        onehot = F.one_hot(ids.flatten(), self.vocab_size).type_as(flat)              # [M, K]
        count, total = onehot.sum(0), onehot.t() @ flat
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            torch.distributed.all_reduce(count)
            torch.distributed.all_reduce(total)
        self.ema_count.mul_(self.ema_decay).add_(count, alpha=1 - self.ema_decay)
        self.ema_sum.mul_(self.ema_decay).add_(total, alpha=1 - self.ema_decay)
        n = self.ema_count.sum()
        smoothed = (self.ema_count + 1e-5) / (n + self.vocab_size * 1e-5) * n          # Laplace smoothing
        self.codebook.copy_(F.normalize(self.ema_sum / smoothed.unsqueeze(1), dim=1))
        dead = self.ema_count < 0.03 * flat.shape[0] / self.vocab_size     # < 3% of a fair share
        if dead.any():
            picks = flat[torch.randint(0, flat.shape[0], (int(dead.sum()),), device=flat.device)]
            self.codebook[dead] = picks
            self.ema_sum[dead] = picks
            self.ema_count[dead] = 1.0

    def forward_train(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        """Training losses on RGB in [0, 1]: MSE reconstruction + 0.25 x commitment (straight-through)."""
        z = self.features(images)                                                      # [N, d, h, w]
        if self.training and not self.initialised:
            self.init_codebook(z.detach())
        ids, codes = self.quantize(z.detach())
        if self.training:
            self.update_codebook(z.detach(), ids)
        z_q = z + (codes - z).detach()                                                 # straight-through
        recon = torch.sigmoid(self.decoder(z_q))
        return {'loss_rec': F.mse_loss(recon, images), 'loss_commit': 0.25 * F.mse_loss(z, codes),
                'codes_used': ids.unique().numel() * torch.ones((), device=images.device)}


@MODELS.register_module()
class VQTokenizerPretrainer(BaseModel):
    """Trains a ``VQTokenizer`` on images; the checkpoint's ``tokenizer.*`` part is what CiM loads.

    Args:
        tokenizer: config of the tokenizer (``type='mimbench.VQTokenizer'``).
        data_preprocessor: must give RGB in [0, 1] (``mean=[0, 0, 0], std=[255, 255, 255], to_rgb=True``).
    """

    def __init__(self, tokenizer: dict, data_preprocessor: dict | None = None, init_cfg=None):
        data_preprocessor = data_preprocessor or {'type': 'mmpretrain.SelfSupDataPreprocessor',
                                                  'mean': [0, 0, 0], 'std': [255, 255, 255], 'to_rgb': True}
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.tokenizer = MODELS.build(tokenizer)

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        # [N, 3, H, W] in [0, 1]
        images = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        if mode == 'loss':
            return self.tokenizer.forward_train(images)
        if mode == 'tensor':
            return self.tokenizer.decode(self.tokenizer.encode(images))
        raise RuntimeError(f'VQTokenizerPretrainer supports modes "loss" and "tensor", got "{mode}"')


def report_codebook_usage(tokenizer: VQTokenizer, images: torch.Tensor) -> float:
    """Fraction of the codebook used on ``images`` (a quick health check after training)."""
    used = tokenizer.encode(images).unique().numel() / tokenizer.vocab_size
    print_log(f'VQTokenizer uses {used:.1%} of its {tokenizer.vocab_size} codes on {len(images)} images',
              logger='current')
    return used
