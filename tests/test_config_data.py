"""Text stored in files (checkpoints' meta.cfg, records' resolved_config) is read as data and never runs.

Issue 10: a checkpoint whose ``meta.cfg`` held ``__import__('os').system(...)`` ran the command on
``mimbench evaluate --dry-run``. These tests craft such files and check that nothing runs, that the method is
then unknown rather than guessed, and that mimbench's own checkpoints carry their facts as plain data.
"""
from __future__ import annotations

import pytest
import torch

from mimbench.config_data import ConfigTextError, parse_config_text

EVIL_LINES = (
    "_x = __import__('os').system('touch {marker}')",
    "import os\nos.system('touch {marker}')",
    "model = dict(type=open('{marker}', 'w').write('x'))",
    "model = dict(type='mimbench.MAE', hook=(lambda: __import__('os'))())",
    "model = [c for c in ().__class__.__base__.__subclasses__()]",
    "model = dict(**{{'type': 'x'}})",
    "x = 9999999999999999\ny = x * x * x * x * x * x * x * x * x",
)


@pytest.mark.parametrize('evil', EVIL_LINES)
def test_code_in_config_text_is_refused_and_never_runs(evil, tmp_path):
    marker = tmp_path / 'PWNED'
    text = evil.format(marker=marker) + "\nmodel = dict(type='mimbench.MAE')\n"
    with pytest.raises(ConfigTextError, match='line'):
        parse_config_text(text)
    assert not marker.exists()


def test_plain_config_text_is_read_as_data():
    text = (
        "model = dict(type='mimbench.MAE', backbone=dict(arch='b', patch_size=16), norm_pix=True,\n"
        "             loss=None, mean=[123.675, 116.28], scale=(1, -2))\n"
        "lr = 1.5e-4 * 4096 / 256\n"
        "root = 'data/' + 'imagenet/'\n"
        "optim = dict(lr=lr, betas=(0.9, 0.95), extra={'a-b': 1})\n"
    )
    cfg = parse_config_text(text)
    assert cfg['model'] == dict(type='mimbench.MAE', backbone=dict(arch='b', patch_size=16), norm_pix=True,
                                loss=None, mean=[123.675, 116.28], scale=(1, -2))
    assert cfg['lr'] == pytest.approx(2.4e-3) and cfg['optim']['lr'] == cfg['lr']
    assert cfg['root'] == 'data/imagenet/' and cfg['optim']['extra'] == {'a-b': 1}


def test_mmengine_pretty_text_round_trips():
    """What mmengine stores in a checkpoint's meta.cfg is readable as data."""
    from mmengine.config import Config

    from mimbench.pretrain import find_config

    cfg = Config.fromfile(str(find_config('mae', 'vit-smoke', 'smoke')))
    data = parse_config_text(cfg.pretty_text)
    assert data['model']['type'] == cfg.model.type
    assert data['train_cfg'] == cfg.train_cfg.to_dict()


def _mmpretrain_vit_smoke_state() -> dict:
    from mmpretrain.models import VisionTransformer

    vit = VisionTransformer(arch=dict(embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384),
                            img_size=64, patch_size=16)
    return {f'backbone.{k}': v for k, v in vit.state_dict().items()}


def test_crafted_meta_cfg_runs_nothing_in_identify_and_dry_run(tmp_path, capsys):
    """The file of issue 10: only tensors and strings (so weights-only loading accepts it) with code in meta.cfg."""
    from mimbench.checkpoints.identify import pretraining_method
    from mimbench.cli import main

    marker = tmp_path / 'PWNED'
    evil = (f"_x = __import__('os').system('touch {marker}')\n"
            "model = dict(type='mimbench.MAE')  # mimbench\n")
    path = tmp_path / 'crafted.pth'
    torch.save({'state_dict': _mmpretrain_vit_smoke_state(), 'meta': {'cfg': evil}}, path)
    assert pretraining_method(str(path)) is None
    assert not marker.exists()
    code = main(['evaluate', '--checkpoint', str(path), '--scale', 'smoke', '--tasks', 'in1k', '--dry-run',
                 '--work-dir', str(tmp_path / 'eval')])
    out = capsys.readouterr().out
    assert code == 0 and not marker.exists()
    assert "method='unknown'" in out or 'method unknown' in out


def test_legacy_checkpoint_method_read_from_plain_meta_cfg(tmp_path):
    """A checkpoint written before provenance existed: its plain stored config still names the method."""
    from mimbench.checkpoints.identify import pretraining_method

    text = "model = dict(type='mimbench.CiM', objective='revdet')\ntrain_cfg = dict(max_epochs=300)\n"
    path = tmp_path / 'legacy.pth'
    torch.save({'state_dict': _mmpretrain_vit_smoke_state(), 'meta': {'cfg': text}}, path)
    assert pretraining_method(str(path)) == 'cim-revdet'


def test_pretraining_checkpoint_carries_plain_provenance(tmp_path):
    from mimbench.checkpoints.formats import read_checkpoint
    from mimbench.checkpoints.provenance import read_provenance
    from mimbench.datasets.synthetic import make_imagenet
    from mimbench.pretrain import find_config, run_pretrain, smoke_twin

    make_imagenet(tmp_path / 'in1k')
    smoke = smoke_twin(find_config('simmim', 'swin-smoke', 'smoke'), tmp_path / 'work')   # one epoch
    ckpt = run_pretrain(smoke, tmp_path / 'work', tmp_path / 'in1k', cfg_options={'log_level': 'WARNING'})
    provenance = read_provenance(read_checkpoint(ckpt))
    assert provenance['method'] == 'simmim' and provenance['backbone'] == 'swin-smoke'
    assert provenance['epochs'] == 1 and provenance['epoch'] == 1
    assert all(isinstance(v, (str, int, float, bool)) or v is None for v in provenance.values())
