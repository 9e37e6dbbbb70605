"""The DALL-E dVAE image tokenizer (encoder + decoder) and a safe loader for its published weight files.

CiM's generator corrupts images through "the DALL-E (Ramesh et al., 2021) tokenizer, following BEiT"
(cim.txt Sec. 2.1): the frozen encoder turns an image into a grid of discrete visual tokens (vocabulary
8192, one token per 8x8 pixels), the frozen decoder maps a token grid back to RGB (cim.txt Sec. 2.3,
"directly uses the publicly available pre-trained DALL-E dVAE weight").

The architecture below is written from the facts of github.com/openai/DALL-E (dall_e/encoder.py,
decoder.py, utils.py), with the same module and parameter names, so the published ``encoder.pkl`` /
``decoder.pkl`` convert by name:

- encoder: 7x7 conv to 256 channels, 4 groups of 2 residual blocks (256, 512, 1024, 2048 channels) with
  2x max-pooling after groups 1-3, ReLU + 1x1 conv to 8192 logits. Block: identity (1x1 conv when the
  width changes) + ``1 / n_layers**2`` x [ReLU, 3x3, ReLU, 3x3, ReLU, 3x3, ReLU, 1x1] on ``n_out / 4``
  hidden channels (``n_layers = 8``).
- decoder: 1x1 conv from the one-hot tokens to 128 channels, 4 groups of 2 blocks (2048, 1024, 512, 256
  channels) with 2x nearest upsampling after groups 1-3, ReLU + 1x1 conv to 6 channels; the first 3 are
  the logit-Laplace means, ``sigmoid`` then ``unmap_pixels`` gives RGB in [0, 1]. Block convs: 1x1, 3x3,
  3x3, 3x3.
- pixels: the encoder sees ``map_pixels(x) = 0.8 x + 0.1`` of an RGB image in [0, 1].

Differences from the release, on purpose: no float16 casts inside the convolutions (use autocast), and
``DALLETokenizer.decode`` looks the tokens up in the decoder's first 1x1 conv (an embedding lookup)
instead of multiplying a one-hot tensor of 8192 channels: the same numbers, without the one-hot tensor.

The weight files are pickled whole ``torch.nn.Module`` objects. ``load_dall_e_state_dict`` reads them with
``torch.load(weights_only=True)`` (zip files) or an allow-list unpickler of its own (pre-1.6 legacy files,
which ``weights_only`` refuses when they hold whole modules): every class named in the pickle
(``dall_e.encoder.Encoder``, ``torch.nn...Sequential``, ...) is mapped onto an inert stand-in that only
stores attributes, so no code from the file runs; the parameters are then collected by their module path.
"""
from __future__ import annotations

import math
import zipfile
from collections import OrderedDict
from pathlib import Path

import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.model import BaseModule
from torch import nn

from mimbench.registry import MODELS

LOGIT_LAPLACE_EPS = 0.1   # dall_e/utils.py


def map_pixels(x: torch.Tensor) -> torch.Tensor:
    """RGB in [0, 1] -> the encoder's input range [0.1, 0.9] (DALL-E's logit-Laplace mapping)."""
    return (1 - 2 * LOGIT_LAPLACE_EPS) * x + LOGIT_LAPLACE_EPS


def unmap_pixels(x: torch.Tensor) -> torch.Tensor:
    """Inverse of ``map_pixels``, clamped to [0, 1]."""
    return torch.clamp((x - LOGIT_LAPLACE_EPS) / (1 - 2 * LOGIT_LAPLACE_EPS), 0, 1)


class DALLEConv2d(nn.Module):
    """Square 'same' convolution with parameters ``w`` [out, in, k, k] and ``b`` [out], as the release."""

    def __init__(self, n_in: int, n_out: int, kw: int):
        super().__init__()
        self.kw = kw
        self.w = nn.Parameter(torch.randn(n_out, n_in, kw, kw) / math.sqrt(n_in * kw ** 2))
        self.b = nn.Parameter(torch.zeros(n_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.w, self.b, padding=(self.kw - 1) // 2)


class DALLEBlock(nn.Module):
    """Residual block ``id_path(x) + post_gain * res_path(x)``; ``kernels`` are the four res-path convs."""

    def __init__(self, n_in: int, n_out: int, n_layers: int, kernels: tuple[int, int, int, int]):
        super().__init__()
        if n_out % 4:
            raise ValueError(f'DALL-E blocks need a width divisible by 4, got {n_out}')
        n_hid = n_out // 4
        self.post_gain = 1 / n_layers ** 2
        self.id_path = DALLEConv2d(n_in, n_out, 1) if n_in != n_out else nn.Identity()
        widths = [n_in, n_hid, n_hid, n_hid, n_out]
        layers = []
        for i, k in enumerate(kernels):
            conv = DALLEConv2d(widths[i], widths[i + 1], k)
            layers += [(f'relu_{i + 1}', nn.ReLU()), (f'conv_{i + 1}', conv)]
        self.res_path = nn.Sequential(OrderedDict(layers))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.id_path(x) + self.post_gain * self.res_path(x)


def _groups(widths_in: list[int], widths_out: list[int], n_blk: int, n_layers: int,
            kernels: tuple[int, int, int, int], resample: nn.Module | None, resample_name: str) -> list:
    """Four groups of ``n_blk`` blocks; groups 1-3 end with ``resample`` (pooling / upsampling)."""
    groups = []
    for g, (w_in, w_out) in enumerate(zip(widths_in, widths_out)):
        blocks = [(f'block_{i + 1}', DALLEBlock(w_in if i == 0 else w_out, w_out, n_layers, kernels))
                  for i in range(n_blk)]
        if g < 3:
            blocks.append((resample_name, resample()))
        groups.append((f'group_{g + 1}', nn.Sequential(OrderedDict(blocks))))
    return groups


class DALLEEncoder(nn.Module):
    """DALL-E dVAE encoder: image [N, 3, H, W] (after ``map_pixels``) -> token logits [N, V, H/8, W/8]."""

    def __init__(self, n_hid: int = 256, n_blk_per_group: int = 2, input_channels: int = 3,
                 vocab_size: int = 8192, group_count: int = 4):
        super().__init__()
        if group_count != 4:
            raise ValueError(f'the DALL-E encoder has 4 groups, got group_count={group_count}')
        self.vocab_size = vocab_size
        n_layers = group_count * n_blk_per_group
        widths = [n_hid, 2 * n_hid, 4 * n_hid, 8 * n_hid]
        self.blocks = nn.Sequential(OrderedDict([
            ('input', DALLEConv2d(input_channels, n_hid, 7)),
            *_groups([n_hid] + widths[:3], widths, n_blk_per_group, n_layers, (3, 3, 3, 1),
                     lambda: nn.MaxPool2d(kernel_size=2), 'pool'),
            ('output', nn.Sequential(OrderedDict([('relu', nn.ReLU()),
                                                  ('conv', DALLEConv2d(8 * n_hid, vocab_size, 1))]))),
        ]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(x.float())


class DALLEDecoder(nn.Module):
    """DALL-E dVAE decoder: one-hot tokens [N, V, h, w] -> logit-Laplace statistics [N, 6, 8h, 8w]."""

    def __init__(self, n_init: int = 128, n_hid: int = 256, n_blk_per_group: int = 2,
                 output_channels: int = 3, vocab_size: int = 8192, group_count: int = 4):
        super().__init__()
        if group_count != 4:
            raise ValueError(f'the DALL-E decoder has 4 groups, got group_count={group_count}')
        self.vocab_size = vocab_size
        n_layers = group_count * n_blk_per_group
        widths = [8 * n_hid, 4 * n_hid, 2 * n_hid, n_hid]
        self.blocks = nn.Sequential(OrderedDict([
            ('input', DALLEConv2d(vocab_size, n_init, 1)),
            *_groups([n_init] + widths[:3], widths, n_blk_per_group, n_layers, (1, 3, 3, 3),
                     lambda: nn.Upsample(scale_factor=2, mode='nearest'), 'upsample'),
            ('output', nn.Sequential(OrderedDict([('relu', nn.ReLU()),
                                                  ('conv', DALLEConv2d(n_hid, 2 * output_channels, 1))]))),
        ]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(x.float())

    def forward_ids(self, ids: torch.Tensor) -> torch.Tensor:
        """Token ids [N, h, w] -> statistics [N, 6, 8h, 8w]; equal to ``forward(one_hot(ids))``."""
        conv = self.blocks.input
        x = F.embedding(ids, conv.w[:, :, 0, 0].t()) + conv.b           # [N, h, w, n_init]
        x = x.permute(0, 3, 1, 2)                                          # [N, n_init, h, w]
        for name, module in self.blocks.named_children():
            if name != 'input':
                x = module(x)
        return x


# ---- loading the published pickles --------------------------------------------------------------------

class _PickledObject:
    """Inert stand-in for every class named in a DALL-E pickle: keeps the pickled attributes, runs nothing."""

    def __setstate__(self, state):
        if isinstance(state, tuple) and len(state) == 2:   # (dict state, slot state)
            state = {**(state[0] or {}), **(state[1] or {})}
        self.__dict__.update(state)


# Classes the published encoder.pkl / decoder.pkl reference (dall_e 0.1 on torch >= 1.7).
_PICKLED_CLASSES = [
    'dall_e.encoder.Encoder', 'dall_e.encoder.EncoderBlock', 'dall_e.decoder.Decoder',
    'dall_e.decoder.DecoderBlock', 'dall_e.utils.Conv2d',
    'torch.nn.modules.container.Sequential', 'torch.nn.modules.activation.ReLU',
    'torch.nn.modules.pooling.MaxPool2d', 'torch.nn.modules.linear.Identity',
    'torch.nn.modules.upsampling.Upsample',
]


_LEGACY_DTYPES = {'FloatStorage': torch.float32, 'HalfStorage': torch.float16, 'DoubleStorage': torch.float64,
                  'LongStorage': torch.int64, 'IntStorage': torch.int32, 'BoolStorage': torch.bool,
                  'BFloat16Storage': torch.bfloat16, 'ByteStorage': torch.uint8}
_LEGACY_CALLABLES = {('collections', 'OrderedDict'): OrderedDict, ('builtins', 'set'): set,
                     ('__builtin__', 'set'): set,   # protocol-2 name
                     ('torch', 'device'): torch.device,
                     ('torch._utils', '_rebuild_tensor_v2'): torch._utils._rebuild_tensor_v2,
                     ('torch._utils', '_rebuild_parameter'): torch._utils._rebuild_parameter}


def _load_legacy_restricted(path: Path):
    """Read a pre-1.6 (non-zip) ``torch.save`` file with an allow-list unpickler (no code from the file runs).

    ``weights_only=True`` refuses such files when they hold whole modules (their records carry module source).
    Layout (torch/serialization.py ``_legacy_load``): magic number, protocol version, system info, the object
    pickle (storages as persistent ids), the list of storage keys, then per storage an int64 element count and
    the raw little-endian data.
    """
    import pickle
    import struct

    bases: dict[str, torch.Tensor] = {}

    class Restricted(pickle.Unpickler):
        def find_class(self, module, name):
            if f'{module}.{name}' in _PICKLED_CLASSES:
                return _PickledObject
            if module == 'torch' and name in _LEGACY_DTYPES:
                return _LEGACY_DTYPES[name]
            if (module, name) in _LEGACY_CALLABLES:
                return _LEGACY_CALLABLES[(module, name)]
            raise pickle.UnpicklingError(f'global {module}.{name} is not allowed in a DALL-E weight file')

        def persistent_load(self, pid):
            kind = pid[0].decode() if isinstance(pid[0], bytes) else pid[0]
            # (class, source file, source): the class (a stand-in), source unused
            if kind == 'module':
                return pid[1]
            if kind != 'storage' or pid[5] is not None:
                raise pickle.UnpicklingError(f'unsupported storage record {pid[:1]} '
                                             '(views are not supported)')
            dtype, key, numel = pid[1], pid[2], pid[4]
            if key not in bases:
                bases[key] = torch.empty(numel, dtype=dtype)
            return torch.storage.TypedStorage(wrap_storage=bases[key].untyped_storage(), dtype=dtype,
                                              _internal=True)

    with open(path, 'rb') as f:
        header = [Restricted(f).load() for _ in range(3)]          # magic, protocol, sys info
        if header[0] != 0x1950A86A20F9469CFC6C:
            raise pickle.UnpicklingError(f'{path} is neither a zip nor a legacy torch.save file')
        obj = Restricted(f).load()
        for key in Restricted(f).load():
            base = bases[key]
            (count,) = struct.unpack('<q', f.read(8))
            data = bytearray(f.read(count * base.element_size()))
            base.copy_(torch.frombuffer(data, dtype=base.dtype)[:base.numel()])
    return obj


def _collect_parameters(obj, prefix: str, out: dict) -> None:
    """Walk ``_parameters`` / ``_modules`` of a stand-in tree into a flat state dict."""
    for name, value in (getattr(obj, '_parameters', None) or {}).items():
        if value is not None:
            out[prefix + name] = value.detach().clone()
    for name, child in (getattr(obj, '_modules', None) or {}).items():
        if child is not None:
            _collect_parameters(child, f'{prefix}{name}.', out)


def load_dall_e_state_dict(path: str | Path, trust_pickle: bool = False) -> dict[str, torch.Tensor]:
    """State dict of a published DALL-E weight file (``encoder.pkl`` / ``decoder.pkl``) or a saved state dict.

    Args:
        path: the file users downloaded from the DALL-E release (or a ``torch.save``-d state dict).
        trust_pickle: load with ``weights_only=False`` instead (runs the pickle's code; needs the ``dall_e``
            package). Only for files the safe reader cannot parse and that you trust.

    Returns:
        ``{'blocks.input.w': ..., ...}``, the names of ``DALLEEncoder`` / ``DALLEDecoder``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f'DALL-E weight file {path} not found. Download encoder.pkl and decoder.pkl of the DALL-E '
            'release '
            '(github.com/openai/DALL-E README: cdn.openai.com/dall-e/encoder.pkl, .../decoder.pkl) '
            'on a machine '
            'with internet access and pass their paths (model.tokenizer.encoder_path / decoder_path).')
    if trust_pickle:
        obj = torch.load(path, map_location='cpu', weights_only=False)
        state = obj if isinstance(obj, dict) else obj.state_dict()
        return {k: v.detach().clone() for k, v in state.items()}
    with torch.serialization.safe_globals([(_PickledObject, name) for name in _PICKLED_CLASSES]):
        try:
            if zipfile.is_zipfile(path):
                obj = torch.load(path, map_location='cpu', weights_only=True)
            else:
                obj = _load_legacy_restricted(path)
        except Exception as err:   # the unpickler names the global it refused
            raise RuntimeError(
                f'could not read {path} safely: {err}\nExpected a DALL-E dVAE pickle (encoder.pkl/'
                'decoder.pkl) or '
                'a state dict. If the file comes from a source you trust, pass trust_pickle=True '
                '(model.tokenizer.trust_pickle=True) to load it with full pickle.') from err
    if isinstance(obj, dict):
        return {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}
    state: dict[str, torch.Tensor] = {}
    _collect_parameters(obj, '', state)
    if not state:
        raise RuntimeError(f'{path} holds a {type(obj).__name__} without parameters; '
                           'expected a DALL-E module')
    return state


def _load_into(module: nn.Module, state: dict, path) -> None:
    own = module.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    wrong = [k for k in own if k in state and own[k].shape != state[k].shape]
    if missing or unexpected or wrong:
        raise RuntimeError(
            f'{path} does not match {type(module).__name__}: missing {missing[:5]}, '
            f'unexpected {unexpected[:5]}, '
            f'shape mismatch {[(k, tuple(state[k].shape), tuple(own[k].shape)) for k in wrong[:5]]}. '
            'Check that the file is the DALL-E encoder.pkl/decoder.pkl and that the arguments '
            '(n_hid, vocab_size, ...) are the release\'s defaults.')
    module.load_state_dict(state)


@MODELS.register_module()
class DALLETokenizer(BaseModule):
    """Frozen DALL-E dVAE as a tokenizer (cim.txt Sec. 2.1, 2.3): ``encode`` images, ``decode`` token grids.

    The weights are read in ``init_weights`` (i.e. when the runner initialises the model), so configs build
    without the files. The tokenizer interface CiM relies on: ``vocab_size``, ``downsample`` (pixels per
    token side), ``encode(images01) -> ids``, ``decode(ids) -> images01``.

    Args:
        encoder_path: path of ``encoder.pkl`` (or a state dict of ``DALLEEncoder``); None keeps random weights
            (tests only).
        decoder_path: path of ``decoder.pkl``.
        trust_pickle: see ``load_dall_e_state_dict``.
        n_hid, n_init, vocab_size: architecture, the release's defaults (256, 128, 8192).
    """

    downsample = 8   # three 2x poolings

    def __init__(self, encoder_path: str | None = None, decoder_path: str | None = None,
                 trust_pickle: bool = False, n_hid: int = 256, n_init: int = 128, vocab_size: int = 8192,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.encoder_path, self.decoder_path, self.trust_pickle = encoder_path, decoder_path, trust_pickle
        self.vocab_size = vocab_size
        self.encoder = DALLEEncoder(n_hid=n_hid, vocab_size=vocab_size)
        self.decoder = DALLEDecoder(n_init=n_init, n_hid=n_hid, vocab_size=vocab_size)

    def init_weights(self) -> None:
        """Load the published weights (the paper's frozen tokenizer, cim.txt Sec. 2.3)."""
        if self.encoder_path is None or self.decoder_path is None:
            print_log('DALLETokenizer: no encoder_path/decoder_path given, the tokenizer keeps RANDOM '
                      'weights '
                      '(fine for tests, meaningless for pre-training)', logger='current', level=30)
            return
        for module, path in ((self.encoder, self.encoder_path), (self.decoder, self.decoder_path)):
            _load_into(module, load_dall_e_state_dict(path, self.trust_pickle), path)
        self._is_init = True

    @torch.no_grad()
    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """RGB in [0, 1] [N, 3, H, W] -> token ids [N, H/8, W/8] (argmax of the logits, as BEiT)."""
        return self.encoder(map_pixels(images)).argmax(dim=1)

    @torch.no_grad()
    def decode(self, ids: torch.Tensor) -> torch.Tensor:
        """Token ids [N, h, w] -> RGB in [0, 1] [N, 3, 8h, 8w] (sigmoid of the logit-Laplace means)."""
        stats = self.decoder.forward_ids(ids)
        return unmap_pixels(torch.sigmoid(stats[:, :3]))
