"""Shared pytest fixtures (reuse them; keep this file to fixtures)."""
from __future__ import annotations

import pytest


@pytest.fixture(scope='session')
def tiny_data_root(tmp_path_factory):
    """One generated data root per session: ``<root>/<task>`` for every task (synthetic.make_all)."""
    from mimbench.datasets.synthetic import make_all
    root = tmp_path_factory.mktemp('mimbench-data')
    make_all(root)
    return root


@pytest.fixture(scope='session')
def vit_smoke_checkpoint(tmp_path_factory):
    """A vit-smoke encoder saved as mimbench pre-training saves it (mmengine container, ``backbone.``)."""
    import torch
    from mmpretrain.models import VisionTransformer

    torch.manual_seed(0)
    vit = VisionTransformer(arch=dict(embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384),
                            img_size=64, patch_size=16)
    path = tmp_path_factory.mktemp('ckpt') / 'vit_smoke.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in vit.state_dict().items()}}, path)
    return path


@pytest.fixture
def smoke_file(tmp_path):
    """A factory: ``smoke_file(recipe)`` writes the recipe's smoke twin (mimbench.smoke) into ``tmp_path`` and
    returns its path, for code that takes config files."""
    from pathlib import Path

    from mimbench.smoke import write_smoke_config

    def write(recipe) -> str:
        return str(write_smoke_config(recipe, tmp_path / f'{Path(recipe).stem}_smoke.py'))
    return write


@pytest.fixture(autouse=True, scope='session')
def _private_cache(tmp_path_factory):
    """mimbench's computed-interval cache (``$MIMBENCH_CACHE``) in a session folder, not the user's."""
    import os

    saved = os.environ.get('MIMBENCH_CACHE')
    os.environ['MIMBENCH_CACHE'] = str(tmp_path_factory.mktemp('mimbench-cache'))
    yield
    if saved is None:
        os.environ.pop('MIMBENCH_CACHE', None)
    else:
        os.environ['MIMBENCH_CACHE'] = saved
