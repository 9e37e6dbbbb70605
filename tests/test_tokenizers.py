"""Image tokenizers for CiM (mimbench.models.tokenizers): DALL-E dVAE + safe loader, trainable VQ tokenizer.

The DALL-E files cannot be downloaded here: the tests write fake ``encoder.pkl`` / ``decoder.pkl`` in the
published layout (whole pickled modules whose classes are named ``dall_e.encoder.Encoder``,
``dall_e.utils.Conv2d``, ... as github.com/openai/DALL-E) from mimbench's own modules at a small width.
"""
import sys
import types

import pytest
import torch
import torch.nn.functional as F

import mimbench  # noqa: F401  (registers mimbench modules)
from mimbench.models.tokenizers.dall_e import (
    DALLEBlock,
    DALLEConv2d,
    DALLEDecoder,
    DALLEEncoder,
    DALLETokenizer,
    load_dall_e_state_dict,
    map_pixels,
    unmap_pixels,
)
from mimbench.models.tokenizers.vq import VQTokenizer
from mimbench.registry import MODELS

SMALL = dict(n_hid=64, vocab_size=512)   # the release's validators allow n_hid >= 64, vocab >= 512


def _save_published(module: torch.nn.Module, path, legacy: bool = False) -> None:
    """torch.save ``module`` as the DALL-E release did: a whole module whose classes live in ``dall_e``."""
    top = 'Encoder' if isinstance(module, DALLEEncoder) else 'Decoder'
    where = 'dall_e.encoder' if top == 'Encoder' else 'dall_e.decoder'
    fake = {name: types.ModuleType(name) for name in ('dall_e', where, 'dall_e.utils')}
    renamed = {}
    for cls, mod, name in ((type(module), where, top), (DALLEBlock, where, top + 'Block'),
                           (DALLEConv2d, 'dall_e.utils', 'Conv2d')):
        renamed[cls] = type(name, (cls,), {'__module__': mod, '__qualname__': name})
        setattr(fake[mod], name, renamed[cls])
    originals = {}
    for m in module.modules():
        if type(m) in renamed:
            originals[m] = type(m)
            m.__class__ = renamed[type(m)]
            # attrs fields the release pickles along (dall_e/utils.py, encoder.py, decoder.py)
            m.device, m.requires_grad, m.use_float16 = torch.device('cpu'), False, True
    saved = {k: sys.modules.get(k) for k in fake}
    sys.modules.update(fake)
    try:
        torch.save(module, path, _use_new_zipfile_serialization=not legacy)
    finally:
        for k, v in saved.items():
            if v is None:
                del sys.modules[k]
            else:
                sys.modules[k] = v
        for m, cls in originals.items():
            m.__class__ = cls


@pytest.mark.parametrize('legacy', [False, True], ids=['zip', 'legacy'])
def test_dall_e_loader_round_trips_a_published_layout_file(tmp_path, legacy):
    torch.manual_seed(0)
    enc, dec = DALLEEncoder(**SMALL), DALLEDecoder(n_init=32, **SMALL)
    _save_published(enc, tmp_path / 'encoder.pkl', legacy)
    _save_published(dec, tmp_path / 'decoder.pkl', legacy)
    assert 'dall_e' not in sys.modules                   # the loader cannot lean on the classes
    state = load_dall_e_state_dict(tmp_path / 'encoder.pkl')
    assert set(state) == set(enc.state_dict())
    assert all(torch.equal(state[k], v) for k, v in enc.state_dict().items())

    tok = DALLETokenizer(encoder_path=str(tmp_path / 'encoder.pkl'), decoder_path=str(tmp_path / 'decoder.pkl'),
                         n_init=32, **SMALL)
    tok.init_weights()
    x = torch.rand(2, 3, 32, 32)
    ids = tok.encode(x)
    assert ids.shape == (2, 4, 4) and ids.dtype == torch.long                   # 8x8 pixels per token
    torch.testing.assert_close(ids, enc(map_pixels(x)).argmax(1))
    onehot = F.one_hot(ids, 512).permute(0, 3, 1, 2).float()                     # the release's decoder input
    with torch.no_grad():
        expected = unmap_pixels(torch.sigmoid(dec(onehot)[:, :3]))
    torch.testing.assert_close(tok.decode(ids), expected, rtol=1e-4, atol=1e-5)
    assert tok.decode(ids).shape == (2, 3, 32, 32)


@pytest.mark.parametrize('legacy', [False, True], ids=['zip', 'legacy'])
def test_dall_e_loader_runs_no_code_from_the_pickle(tmp_path, legacy):
    import os

    class Payload:
        def __reduce__(self):
            return (os.makedirs, (str(tmp_path / 'pwned'),))

    torch.save({'blocks.input.w': torch.zeros(1), 'x': Payload()}, tmp_path / 'evil.pkl',
               _use_new_zipfile_serialization=not legacy)
    with pytest.raises(RuntimeError, match='could not read .* safely'):
        load_dall_e_state_dict(tmp_path / 'evil.pkl')
    assert not (tmp_path / 'pwned').exists()


def test_dall_e_loader_explains_missing_and_mismatched_files(tmp_path):
    with pytest.raises(FileNotFoundError, match='cdn.openai.com'):
        load_dall_e_state_dict(tmp_path / 'encoder.pkl')
    torch.save(DALLEEncoder(n_hid=64, vocab_size=1024).state_dict(), tmp_path / 'encoder.pt')   # plain state dict
    tok = DALLETokenizer(encoder_path=str(tmp_path / 'encoder.pt'), decoder_path=str(tmp_path / 'encoder.pt'),
                         **SMALL)
    with pytest.raises(RuntimeError, match='shape mismatch'):
        tok.init_weights()


def test_dall_e_full_size_matches_the_release():
    with torch.device('meta'):
        tok = DALLETokenizer()
    enc_params = sum(p.numel() for p in tok.encoder.parameters())
    dec_params = sum(p.numel() for p in tok.decoder.parameters())
    assert tok.encoder.blocks.output.conv.w.shape == (8192, 2048, 1, 1)
    assert tok.decoder.blocks.input.w.shape == (128, 8192, 1, 1)
    assert tok.decoder.blocks.output.conv.w.shape == (6, 256, 1, 1)
    assert 50e6 < enc_params < 60e6 and 40e6 < dec_params < 50e6, (enc_params, dec_params)


def test_pixel_mapping_round_trips():
    x = torch.rand(2, 3, 8, 8)
    torch.testing.assert_close(unmap_pixels(map_pixels(x)), x)
    assert map_pixels(torch.zeros(1)).item() == pytest.approx(0.1)           # DALL-E's logit-Laplace eps
    assert map_pixels(torch.ones(1)).item() == pytest.approx(0.9)


def _vq(**kw):
    torch.manual_seed(0)
    return VQTokenizer(vocab_size=64, code_dims=16, channels=32, num_res_blocks=1, **kw)


def test_vq_tokenizer_interface_and_training_lowers_the_loss():
    tok = _vq(ema_decay=0.9).train()
    coarse = torch.rand(4, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    x = F.interpolate(coarse, size=32, mode='bilinear', align_corners=False)    # smooth images, [0, 1]
    assert tok.encode(x).shape == (4, 4, 4) and tok.decode(tok.encode(x)).shape == (4, 3, 32, 32)
    assert tok.downsample == 8
    opt = torch.optim.Adam(tok.parameters(), lr=3e-3)
    first = None
    for _ in range(40):
        losses = tok.forward_train(x)
        loss = losses['loss_rec'] + losses['loss_commit']
        opt.zero_grad()
        loss.backward()
        opt.step()
        first = first if first is not None else losses['loss_rec'].item()
    assert losses['codes_used'] > 4                                          # no collapse onto one code
    assert losses['loss_rec'].item() < 0.9 * first, (first, losses['loss_rec'].item())


def test_vq_tokenizer_learns_more_than_the_mean_image():
    """The collapse this guards against: every position on one point of the sphere, every code decoding to
    the mean image, reconstruction error stuck at the pixel variance (the smoke tokenizer on the proxy
    corpus, before the encoder standardised its code channels). Images of random flat colours in random
    quadrant layouts: the mean image explains none of them."""
    gen = torch.Generator().manual_seed(0)
    images = F.interpolate(torch.rand(64, 3, 2, 2, generator=gen), size=32, mode='nearest')
    mean_image_error = (images - images.mean(0)).pow(2).mean().item()
    tok = _vq().train()
    opt = torch.optim.AdamW(tok.parameters(), lr=3e-3, betas=(0.9, 0.99), weight_decay=0.0)
    for _ in range(120):
        batch = images[torch.randint(0, len(images), (16,), generator=gen)]
        losses = tok.forward_train(batch)
        opt.zero_grad()
        (losses['loss_rec'] + losses['loss_commit']).backward()
        opt.step()
    tok.eval()
    with torch.no_grad():
        error = (tok.decode(tok.encode(images)) - images).pow(2).mean().item()
        spread = tok.features(images).std((0, 2, 3)).mean().item()
    assert spread > 0.05, f'encoder features collapsed onto one direction (spread {spread:.4f})'
    assert error < 0.8 * mean_image_error, (error, mean_image_error)   # collapsed: ~1.0x
    assert tok.encode(images).unique().numel() >= 16


def test_vq_checkpoint_from_before_the_standardisation_is_refused_with_what_to_do(tmp_path):
    tok = _vq()
    old = {f'tokenizer.{k}': v for k, v in tok.state_dict().items()
           if 'running' not in k and 'tracked' not in k}
    torch.save({'state_dict': old}, tmp_path / 'old.pth')
    with pytest.raises(RuntimeError, match='Train it again with configs/pretrain/cim/vqtokenizer'):
        _vq(checkpoint=str(tmp_path / 'old.pth')).init_weights()


def test_vq_pretrainer_checkpoint_loads_into_the_cim_tokenizer(tmp_path):
    trainer = MODELS.build(dict(type='mimbench.VQTokenizerPretrainer',
                                tokenizer=dict(type='mimbench.VQTokenizer', vocab_size=64, code_dims=16,
                                               channels=32, num_res_blocks=1)))
    images = torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8)
    data = trainer.data_preprocessor(dict(inputs=images, data_samples=None), training=True)
    assert 0 <= data['inputs'].min() and data['inputs'].max() <= 1                 # RGB in [0, 1]
    losses = trainer(**data, mode='loss')
    assert {'loss_rec', 'loss_commit'} <= set(losses)
    torch.save({'state_dict': trainer.state_dict()}, tmp_path / 'vq.pth')
    tok = _vq(checkpoint=str(tmp_path / 'vq.pth'))
    tok.init_weights()
    for k, v in trainer.tokenizer.state_dict().items():
        assert torch.equal(tok.state_dict()[k], v), k
    with pytest.raises(RuntimeError, match='no "tokenizer'):
        torch.save({'state_dict': {'backbone.x': torch.zeros(1)}}, tmp_path / 'other.pth')
        _vq(checkpoint=str(tmp_path / 'other.pth')).init_weights()


def test_tokenizer_config_trains_on_an_image_folder_and_feeds_cim(tmp_path):
    """The vqtokenizer recipe's smoke twin on any folder of images -> checkpoint -> the tokenizer of a CiM
    smoke twin (mimbench.smoke)."""
    from pathlib import Path

    import numpy as np
    from PIL import Image

    from mimbench.runner import build_runner
    from mimbench.smoke import load_smoke
    configs = Path(__file__).resolve().parents[1] / 'configs' / 'pretrain' / 'cim'
    (tmp_path / 'images' / 'train' / 'any').mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(8):
        Image.fromarray(rng.integers(0, 255, (48, 48, 3), dtype=np.uint8)).save(
            tmp_path / 'images' / 'train' / 'any' / f'{i}.jpg')
    cfg = load_smoke(configs / 'vqtokenizer_f8-k1024_8xb64-adamw-100e_in1k.py')
    cfg.train_dataloader.dataset.data_root = str(tmp_path / 'images')
    cfg.log_level = 'WARNING'
    build_runner(cfg, work_dir=str(tmp_path / 'tok')).train()
    ckpt = tmp_path / 'tok' / 'epoch_1.pth'
    cim = load_smoke(configs / 'cim-respix_vit-base-p16_16xb128-coslr-300e_in1k.py')
    cim.model.tokenizer.checkpoint = str(ckpt)
    model = MODELS.build(cim.model)
    model.init_weights()
    trained = torch.load(ckpt, map_location='cpu', weights_only=False)['state_dict']
    assert torch.equal(model.tokenizer.codebook, trained['tokenizer.codebook'])
    assert bool(model.tokenizer.initialised)                                  # codebook set from data


def test_the_smoke_tokenizer_trains_on_the_view_the_smoke_cim_encodes():
    """The tokenizer recipe trains at 112 px, the view CiM encodes at 224 px (one 8-px token per 16-px patch,
    cim.txt Sec. 2.1); its smoke twin must train at the 32-px view of a 64-px smoke CiM, not at 64 px (a
    tokenizer trained at twice the scale it is used at, and four times the cost)."""
    from pathlib import Path

    from mimbench.smoke import load_smoke
    configs = Path(__file__).resolve().parents[1] / 'configs' / 'pretrain' / 'cim'
    tok = load_smoke(configs / 'vqtokenizer_f8-k1024_8xb64-adamw-100e_in1k.py')
    crop = [t for t in tok.train_dataloader.dataset.pipeline if t['type'].endswith('RandomResizedCrop')]
    cim = load_smoke(configs / 'cim-revdet_resnet50_16xb128-coslr-300e_in1k.py')
    model = MODELS.build(cim.model)
    images = torch.zeros(1, 3, 64, 64)
    assert cim.train_dataloader.dataset.pipeline[1]['scale'] == 64
    view = 64 // model.patch_size * model.tokenizer.downsample
    assert [t['scale'] for t in crop] == [view] == [32]
    assert model.golden_tokens(images).shape[-2:] == (view // model.tokenizer.downsample,) * 2
