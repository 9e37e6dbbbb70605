"""Robustness tasks (mae.txt Appendix C, Table 13): ImageNet-C mCE against a hand computation, the 200-class
restriction of ImageNet-A/-R, the release layouts and their checks, metric direction in records and tables,
and `mimbench evaluate` end to end on generated data (in1k fine-tuning, then the four test sets)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

import mimbench  # noqa: F401
from mimbench.cli import main
from mimbench.datasets import robustness
from mimbench.transfer.robustness_metrics import (ALEXNET_ERRORS, MeanCorruptionError, SubsetAccuracy,
                                                  mean_corruption_error)

ROBUSTNESS = ('imagenet-c', 'imagenet-a', 'imagenet-r', 'imagenet-sketch')


# ------------------------------------------------------------------------------------------------ metrics
def test_alexnet_errors_agree_with_a_second_transcription():
    """Per-severity errors (timm's transcription) average to augmix's ALEXNET_ERR list, corruption by
    corruption, in Hendrycks & Dietterich's order."""
    augmix = [0.886428, 0.894468, 0.922640, 0.819880, 0.826268, 0.785948, 0.798360, 0.866816, 0.826572,
              0.819324, 0.564592, 0.853204, 0.646056, 0.717840, 0.606500]
    assert tuple(ALEXNET_ERRORS) == robustness.CORRUPTIONS and len(robustness.CORRUPTIONS) == 15
    for (name, errors), mean in zip(ALEXNET_ERRORS.items(), augmix):
        assert len(errors) == 5 and sum(errors) / 5 == pytest.approx(mean, abs=1e-9), name


def _sample(corruption, severity, label, predicted, classes=4):
    score = torch.full((classes,), 0.1)
    score[predicted] = 0.7
    return dict(corruption=corruption, severity=severity, gt_label=torch.tensor([label]), pred_score=score)


def test_mce_matches_a_hand_computation_on_a_tiny_case():
    """One image per corruption and severity. Wrong: all five gaussian_noise images and the severity-5
    brightness image. By hand: CE(gaussian) = 5 / (0.69528 + 0.82542 + 0.93554 + 0.98138 + 0.99452)
    = 5 / 4.43214, CE(brightness) = 1 / (0.4514 + 0.48502 + 0.54048 + 0.62166 + 0.7244) = 1 / 2.82296,
    every other CE is 0; mCE = 100 * (5 / 4.43214 + 1 / 2.82296) / 15 = 9.88240 %."""
    expected = 100 * (5 / 4.43214 + 1 / 2.82296) / 15
    assert expected == pytest.approx(9.88240, abs=1e-5)
    samples = []
    for corruption in robustness.CORRUPTIONS:
        for severity in range(1, 6):
            wrong = corruption == 'gaussian_noise' or (corruption == 'brightness' and severity == 5)
            samples.append(_sample(corruption, severity, label=1, predicted=2 if wrong else 1))
    metric = MeanCorruptionError()
    metric.process({}, samples)
    result = metric.compute_metrics(metric.results)
    assert result['mCE'] == pytest.approx(expected, rel=1e-9)
    assert result['gaussian_noise'] == pytest.approx(100 * 5 / 4.43214)
    assert result['snow'] == 0.0
    # the pure function, from per-(corruption, severity) errors with two images each (one wrong -> 0.5)
    errors = {(c, s): 0.0 for c in robustness.CORRUPTIONS for s in range(1, 6)}
    errors['fog', 3] = 0.5
    assert mean_corruption_error(errors) == pytest.approx(100 * 0.5 / 4.09662 / 15)


def test_mce_refuses_an_incomplete_benchmark():
    samples = [_sample(c, s, 0, 0) for c in robustness.CORRUPTIONS[:14] for s in range(1, 6)]
    metric = MeanCorruptionError()
    metric.process({}, samples)
    with pytest.raises(ValueError, match='jpeg_compression'):
        metric.compute_metrics(metric.results)
    metric = MeanCorruptionError()
    metric.process({}, [_sample('fog', s, 0, 0) for s in (1, 2, 3, 4)])
    with pytest.raises(ValueError, match='severity'):
        metric.compute_metrics(metric.results)
    with pytest.raises(KeyError, match="meta_keys"):
        MeanCorruptionError().process({}, [dict(gt_label=torch.tensor([0]), pred_score=torch.ones(4))])


def test_subset_accuracy_keeps_only_the_subset_logits():
    """ImageNet-A/-R: labels are positions among the 200 kept classes; a prediction outside them does not
    count, the best kept class does (as hendrycks/natural-adv-examples evaluates)."""
    keep = [0, 1, 3]                       # classifier outputs of the 3 subset classes
    logits = torch.tensor([[0.1, 0.2, 0.9, 0.3],   # global argmax 2 (not kept); among kept: 3 -> label 2
                           [0.8, 0.1, 0.0, 0.1],   # kept argmax 0 -> label 0
                           [0.1, 0.5, 0.0, 0.6]])  # kept argmax 3 -> label 2, but the label is 1
    samples = [dict(gt_label=torch.tensor([label]), pred_score=score) for label, score in
               zip((2, 0, 1), logits)]
    metric = SubsetAccuracy()
    metric.dataset_meta = {'output_indices': keep}
    metric.process({}, samples)
    assert metric.compute_metrics(metric.results) == {'top1': pytest.approx(200 / 3)}
    plain = SubsetAccuracy()   # no subset (ImageNet-Sketch): the usual argmax
    plain.dataset_meta = {}
    plain.process({}, [dict(gt_label=torch.tensor([2]), pred_score=logits[0])])
    assert plain.compute_metrics(plain.results) == {'top1': 100.0}


# ------------------------------------------------------------------------------------------------ datasets
def test_class_lists_are_the_releases():
    wnids = robustness.imagenet_wnids()
    assert len(wnids) == 1000 and list(wnids) == sorted(wnids) and wnids[0] == 'n01440764'
    for task in ('imagenet-a', 'imagenet-r'):
        subset = robustness.subset_wnids(task)
        assert len(subset) == len(set(subset)) == 200 and set(subset) <= set(wnids)
    assert robustness.subset_wnids('imagenet-a') != robustness.subset_wnids('imagenet-r')
    assert 'n01498041' in robustness.subset_wnids('imagenet-a')   # stingray, first of IN-A's 200


def test_datasets_read_the_release_layouts(tiny_data_root):
    from mimbench.datasets.synthetic import IMAGENET_A_SMOKE_WNIDS, imagenet_smoke_wnids

    classes = imagenet_smoke_wnids()
    c = robustness.ImageNetC(str(tiny_data_root / 'imagenet-c'), label_wnids=classes)
    assert len(c) == 15 * 5 * 4
    first = c.get_data_info(0)
    assert (first['corruption'], first['severity'], first['gt_label']) == ('gaussian_noise', 1, 0)
    assert first['img_path'].endswith('gaussian_noise/1/n00000000/ILSVRC2012_val_00000001.JPEG')
    a = robustness.ImageNetA(str(tiny_data_root / 'imagenet-a'), label_wnids=classes,
                             subset=IMAGENET_A_SMOKE_WNIDS)
    assert a.metainfo['output_indices'] == [0, 1, 3] and {a.get_data_info(i)['gt_label'] for i in
                                                          range(len(a))} == {0, 1, 2}
    sketch = robustness.ImageNetSketch(str(tiny_data_root / 'imagenet-sketch'), label_wnids=classes)
    assert len(sketch) == 8 and '/sketch/' in sketch.get_data_info(0)['img_path']
    with pytest.raises(ValueError, match='not among the classifier'):
        robustness.ImageNetA(str(tiny_data_root / 'imagenet-a'), label_wnids=classes)   # the real 200


def test_sketch_without_its_sketch_folder_and_a_foreign_class_folder(tmp_path, tiny_data_root):
    import shutil

    flat = tmp_path / 'flat'
    shutil.copytree(tiny_data_root / 'imagenet-sketch' / 'sketch', flat)
    dataset = robustness.ImageNetSketch(str(flat), label_wnids=['n00000000', 'n00000001', 'n00000002',
                                                                'n00000003'])
    assert len(dataset) == 8
    (flat / 'n09999999').mkdir()
    (flat / 'n00000000' / 'n00000000_0.JPEG').rename(flat / 'n09999999' / 'x.JPEG')
    with pytest.raises(ValueError, match='n09999999 is not one of the 4 classes'):
        robustness.ImageNetSketch(str(flat), label_wnids=['n00000000', 'n00000001', 'n00000002',
                                                          'n00000003'])


@pytest.mark.parametrize('task', ROBUSTNESS)
def test_data_check_accepts_generated_roots(task, tiny_data_root, capsys):
    assert main(['data', 'check', '--task', task, '--root', str(tiny_data_root / task)]) == 0
    out = capsys.readouterr().out
    assert f'OK {task}' in out and 'not ImageNet-1K WordNet ids' in out   # synthetic classes, said so


def test_data_check_names_what_is_missing(tmp_path, tiny_data_root, capsys):
    import shutil

    broken = tmp_path / 'imagenet-c'
    shutil.copytree(tiny_data_root / 'imagenet-c', broken)
    shutil.rmtree(broken / 'fog' / '4')
    assert main(['data', 'check', '--task', 'imagenet-c', '--root', str(broken)]) == 1
    err = ' '.join(capsys.readouterr().err.split())
    assert 'missing fog/4/' in err and 'zenodo.org/record/2235448' in err
    assert main(['data', 'check', '--task', 'imagenet-a', '--root', str(tmp_path / 'none')]) == 1
    assert 'imagenet-a.tar' in capsys.readouterr().err
    truncated = tmp_path / 'imagenet-a'
    shutil.copytree(tiny_data_root / 'imagenet-a', truncated)
    image = truncated / 'n00000001' / '0000.jpg'
    image.write_bytes(image.read_bytes()[:200])   # a download cut short: the header opens, the rest fails
    assert main(['data', 'check', '--task', 'imagenet-a', '--root', str(truncated), '--full']) == 1
    assert '0000.jpg' in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------ direction
def test_lower_is_better_in_records_and_tables():
    import pandas as pd

    from mimbench.leaderboard.reference import load_reference
    from mimbench.leaderboard.specs import get_specs
    from mimbench.leaderboard.tables import build_table, to_markdown
    from mimbench.results import LOWER_IS_BETTER, best_value
    from mimbench.transfer.record_hook import best_of, map_metrics

    assert LOWER_IS_BETTER == {'mce'} and best_value('mce', [40.0, 35.0]) == 35.0
    assert best_of([dict(metrics={'mce': 50.0}), dict(metrics={'mce': 45.0})]) == {'mce': 45.0}
    assert map_metrics({'corruption/mCE': 51.7, 'corruption/fog': 40.0}) == {'mce': 51.7}

    (spec,) = [s for s in get_specs(['mae']) if s.table == '13']
    reference = load_reference()
    groups = pd.DataFrame([dict(method='mae', backbone=b, task='imagenet-c', metric='mce', scale='full',
                                pretrain_epochs=1600.0, finetune_epochs=float('nan'), resolution=224.0,
                                variant=None, value=v, std=float('nan'), best=float('nan'), n=1,
                                flops_g=float('nan'), params_m=float('nan'))
                           for b, v in (('vit-b', 50.0), ('vit-l', 44.0))])
    table = build_table(spec, reference, groups)
    assert table.labels == ['IN-Corruption ↓', 'IN-Adversarial', 'IN-Rendition', 'IN-Sketch']
    corruption = table.cells[0]
    assert [c.paper for c in corruption] == [51.7, 41.8, 33.8, 36.8, 42.5, 45.8, 42.3, 41.3]
    assert [c.paper for c in table.cells[1]] == [35.9, 57.1, 68.2, 76.7, 35.8, 27.2, 29.6, 33.1]
    assert corruption[0].delta == pytest.approx(-1.7) and corruption[1].delta == pytest.approx(2.2)
    assert corruption[1].repro_top and not corruption[0].repro_top   # 44.0 < 50.0: the lower mCE ranks
    assert '| IN-Sketch | 34.5 | 45.3 | 49.6 | 50.9 | 36.0 | 35.6 | 37.5 | 38.0 |' in to_markdown(table)


def test_table13_from_the_reference_alone_is_the_paper_table():
    """mae.txt Table 13 as printed (typed from the paper, independently of the CSV), and the running text of
    Appendix C: "with ViT-H, our MAE pre-training is 35% better on IN-A (68.2% vs 33.1%)"."""
    from mimbench.leaderboard import tables
    from mimbench.leaderboard.records import aggregate_records
    from mimbench.leaderboard.reference import load_reference
    from mimbench.leaderboard.specs import SPECS

    printed = [['IN-Corruption ↓', '51.7', '41.8', '33.8', '36.8', '42.5', '45.8', '42.3', '41.3'],
               ['IN-Adversarial', '35.9', '57.1', '68.2', '76.7', '35.8', '27.2', '29.6', '33.1'],
               ['IN-Rendition', '48.3', '59.9', '64.4', '66.5', '48.7', '49.4', '50.9', '50.3'],
               ['IN-Sketch', '34.5', '45.3', '49.6', '50.9', '36.0', '35.6', '37.5', '38.0']]
    spec = next(s for s in SPECS if s.name == 'mae_table13')
    table = tables.build_table(spec, load_reference(), aggregate_records([]))
    assert tables.grid(table, 'plain') == printed
    adversarial = dict(zip(tables.column_headers(table), table.cells[1]))
    assert adversarial['MAE ViT-H'].paper - adversarial['supervised (our impl.) ViT-H'].paper == \
        pytest.approx(35.1)
    # "Increasing the image size helps in all sets but IN-C"
    from mimbench.results import best_value
    for line in table.cells:
        vit_h, vit_h448 = line[2].paper, line[3].paper
        helps = best_value(line[2].metric, (vit_h, vit_h448)) == vit_h448
        assert helps == (line[2].metric == 'top1')


# ------------------------------------------------------------------------------------------------ end to end
def _evaluate(*args) -> int:
    return main(['evaluate', *map(str, args)])


def test_evaluate_runs_the_robustness_tasks_after_in1k(tmp_path, tiny_data_root, capsys):
    """Smoke in1k fine-tuning of a random vit-smoke, then its final checkpoint on the four test sets: one
    record each (mCE / top-1); the mCE equals the one computed here from the classifier's predictions."""
    from mmengine.config import Config

    from mimbench.runner import build_runner
    from mimbench.transfer.robustness_metrics import corruption_errors

    work = tmp_path / 'ev'
    tasks = ','.join(('imagenet-c', 'in1k') + ROBUSTNESS[1:])   # in1k runs first whatever the order
    assert _evaluate('--checkpoint', 'none', '--backbone', 'vit-smoke', '--scale', 'smoke', '--tasks', tasks,
                     '--data-root', tiny_data_root, '--work-dir', work,
                     '--leaderboard-dir', tmp_path / 'lb') == 0
    records = {r['task']: r for r in (json.loads(p.read_text()) for p in work.glob('**/results/*.json'))}
    assert set(records) == {'in1k', *ROBUSTNESS}
    final = work / 'random_vit-smoke' / 'in1k' / 'iter_2.pth'
    assert final.is_file()
    for task in ROBUSTNESS:
        record = records[task]
        assert list(record['metrics']) == (['mce'] if task == 'imagenet-c' else ['top1'])
        assert record['method'] == 'random' and str(final) in record['note'] and record['iters'] == 0
    assert 'ImageNet-C' in (tmp_path / 'lb' / 'combined.md').read_text()
    assert '| IN-Corruption ↓ |' in (tmp_path / 'lb' / 'mae' / 'table13.md').read_text()

    # recompute the mCE from the classifier's predictions on every generated ImageNet-C image
    cfg = Config.fromfile(str(work / 'random_vit-smoke' / 'imagenet-c' / 'imagenet-c.py'))
    runner = build_runner(cfg, work_dir=str(tmp_path / 'recheck'))
    runner.load_checkpoint(str(final), strict=True)
    counts: dict = {}
    runner.model.eval()
    for batch in runner.build_dataloader(cfg.test_dataloader):
        for sample in runner.model.test_step(batch):
            key = (sample.corruption, sample.severity)
            right, seen = counts.get(key, (0, 0))
            counts[key] = (right + int(sample.pred_label.item() == sample.gt_label.item()), seen + 1)
    assert len(counts) == 75 and all(seen == 4 for _, seen in counts.values())
    ce = corruption_errors({k: 1 - right / seen for k, (right, seen) in counts.items()})
    assert records['imagenet-c']['metrics']['mce'] == pytest.approx(100 * sum(ce.values()) / 15, abs=1e-3)


def test_evaluate_skips_absent_test_sets_and_needs_in1k_first(tmp_path, tiny_data_root, capsys):
    """With --tasks all a missing robustness root is skipped, said so; asked for explicitly, a robustness
    task without an in1k run of the encoder is an error that says to add in1k."""
    data = tmp_path / 'data'
    data.mkdir()
    (data / 'in1k').symlink_to(tiny_data_root / 'in1k')
    assert _evaluate('--checkpoint', 'none', '--backbone', 'vit-smoke', '--scale', 'smoke', '--tasks', 'all',
                     '--data-root', data, '--work-dir', tmp_path / 'ev', '--dry-run') == 0
    captured = capsys.readouterr()
    err = ' '.join(captured.err.split())
    for task in ROBUSTNESS:
        assert f'skipped {task}: no dataset at {data / task}' in err
        assert f'# === {task}:' not in captured.out
    assert '# === in1k:' in captured.out
    code = _evaluate('--checkpoint', 'none', '--backbone', 'vit-smoke', '--scale', 'smoke', '--tasks',
                     'imagenet-r', '--data-root', tiny_data_root, '--work-dir', tmp_path / 'ev2', '--dry-run')
    assert code == 2
    assert 'add in1k to --tasks' in ' '.join(capsys.readouterr().err.split())


def test_robustness_configs_test_the_in1k_classifier_of_their_backbone():
    """Each config inherits the in1k fine-tuning config of its backbone (same model), tests only, and the
    smoke ones name the generated data's classes."""
    from mmengine.config import Config

    from mimbench.datasets.synthetic import (IMAGENET_A_SMOKE_WNIDS, IMAGENET_R_SMOKE_WNIDS,
                                             imagenet_smoke_wnids)
    from mimbench.smoke import load_smoke
    from mimbench.transfer.tasks import TASKS, task_config

    for task in ROBUSTNESS:
        for backbone, scale in (('vit-b', 'full'), ('vit-h', 'full'), ('vit', 'smoke')):
            load = load_smoke if scale == 'smoke' else Config.fromfile   # a smoke run: the recipe's twin
            cfg = load(task_config(task, backbone, scale))
            in1k = load(task_config('in1k', backbone, scale))
            assert cfg.test_only and cfg.model == in1k.model and cfg.mimbench.task == task
            dataset = cfg.test_dataloader.dataset
            assert dataset.type == 'mimbench.' + {'imagenet-c': 'ImageNetC', 'imagenet-a': 'ImageNetA',
                                                  'imagenet-r': 'ImageNetR',
                                                  'imagenet-sketch': 'ImageNetSketch'}[task]
            crop = [t for t in dataset.pipeline if t['type'] == 'mmpretrain.CenterCrop'][0]['crop_size']
            assert crop == (64 if scale == 'smoke' else 224)
            if scale == 'smoke':
                assert dataset.label_wnids == imagenet_smoke_wnids()
                subset = {'imagenet-a': IMAGENET_A_SMOKE_WNIDS, 'imagenet-r': IMAGENET_R_SMOKE_WNIDS}
                assert dataset.get('subset') == (list(subset[task]) if task in subset else None)
            else:
                assert 'label_wnids' not in dataset and 'subset' not in dataset   # the releases' classes
        assert TASKS[task].evaluates == 'in1k'


def test_test_only_config_refuses_to_run_without_a_classifier(tmp_path):
    from mmengine.config import Config

    from mimbench.train import run_config
    from mimbench.transfer.tasks import task_config

    cfg = Config.fromfile(task_config('imagenet-sketch', 'vit', 'smoke'))
    assert cfg.test_only and cfg.test_evaluator.type == 'mimbench.SubsetAccuracy'
    from mimbench.train import TrainError
    with pytest.raises(TrainError, match='load_from'):
        run_config(cfg, work_dir=str(tmp_path))
    assert not Path(tmp_path / 'results').exists()
