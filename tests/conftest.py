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
