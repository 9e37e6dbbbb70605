"""The embedded demo end to end on one task: four methods pre-trained, each encoder and its random-init twin
evaluated, leaderboards written, and the pre-trained-vs-random table built from the real records."""

import pandas as pd

from mimbench.cli import main
from mimbench.demo import DEMO_PRETRAINING


def test_demo_on_one_task(tmp_path, capsys):
    assert main(['demo', '--work-dir', str(tmp_path), '--tasks', 'in1k']) == 0
    out = capsys.readouterr().out
    table = pd.read_csv(tmp_path / 'leaderboards' / 'pretrained_vs_random.csv')
    # one row per pre-trained encoder, each paired with the random-init encoder of the same backbone
    assert sorted(table.backbone) == sorted(b for _, b in DEMO_PRETRAINING)
    assert set(table.method) == {'mae', 'simmim', 'cim-respix', 'mixmim'}
    assert table.random_init.notna().all() and table.pretrained.notna().all()
    assert (table.delta == table.pretrained - table.random_init).all()
    assert 'downstream numbers relative to random init' in out
    assert (tmp_path / 'leaderboards' / 'index.md').exists()
    page = (tmp_path / 'leaderboards' / 'index.html').read_text(encoding='utf-8')
    assert 'MixMIM-smoke' in page and 'ResNet-smoke' in page          # the demo's runs are on the HTML page
    # every transfer record of a pre-trained encoder names the checkpoint it loaded (weights reached it)
    from mimbench.results import collect_records

    records, problems = collect_records([tmp_path / 'evaluate'])
    assert not problems and len(records) == 2 * len(DEMO_PRETRAINING)
    for record in records:
        assert (record.checkpoint_sha256 is None) == (record.method == 'random')
