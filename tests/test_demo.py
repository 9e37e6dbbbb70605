"""The embedded demo end to end on one task, at a tiny proxy budget: four methods pre-trained on the proxy
corpus, each tested against random init (Δ, interval, p-value), each encoder and its random-init twin
evaluated, leaderboards written."""

import numpy as np
import pandas as pd

from mimbench.cli import main
from mimbench.demo import DEMO_PRETRAINING


def test_demo_on_one_task(tmp_path, capsys):
    assert main(['demo', '--work-dir', str(tmp_path), '--tasks', 'in1k', '--pretrain-iters', '2',
                 '--transfer-iters', '2', '--seeds', '0,1', '--images-per-class', '4']) == 0
    out = capsys.readouterr().out
    table = pd.read_csv(tmp_path / 'leaderboards' / 'pretrained_vs_random.csv')
    # one row per pre-trained encoder and proxy task, each against random-init encoders of the same backbone
    from mimbench.proxy.benchmark import DEMO
    assert len(table) == len(DEMO_PRETRAINING) * len(DEMO.tasks)
    assert sorted(set(table.backbone)) == sorted(b for _, b in DEMO_PRETRAINING)
    assert set(table.method) == {'mae', 'simmim', 'cim-revdet', 'mixmim'}   # CiM's ResNet: REVDET
    for column in ('pretrained', 'random_init', 'delta', 'ci_low', 'ci_high', 'p_value'):
        assert table[column].notna().all() and np.isfinite(table[column]).all(), column
    assert np.allclose(table.delta, table.pretrained - table.random_init)
    assert ((table.ci_low <= table.delta + 1e-9) & (table.delta <= table.ci_high + 1e-9)).all()
    assert table.p_value.between(0, 1).all() and (table.seeds == 2).all()
    assert 'p_value' in out and 'beats random init at p < 0.05 in' in out
    assert (tmp_path / 'leaderboards' / 'index.md').exists()
    page = (tmp_path / 'leaderboards' / 'index.html').read_text(encoding='utf-8')
    assert 'MixMIM-smoke' in page and 'ResNet-smoke' in page          # the demo's runs are on the HTML page
    # every transfer record of a pre-trained encoder names the checkpoint it loaded (weights reached it)
    from mimbench.results import collect_records

    records, problems = collect_records([tmp_path / 'evaluate'])
    assert not problems and len(records) == 2 * len(DEMO_PRETRAINING)
    for record in records:
        assert (record.checkpoint_sha256 is None) == (record.method == 'random')
    sha = {r.method: r.checkpoint_sha256[:12] for r in records if r.checkpoint_sha256}
    assert all(sha[m] == s for m, s in zip(table.method, table.loaded_sha256))
