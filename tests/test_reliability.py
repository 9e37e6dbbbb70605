"""Issue 10: results are never lost, doubled or mislabelled, and bad input gets a message, not a traceback.

Each test is one case of the issue: ids validated before training, the record as the completion marker, a
kill at any point leaving exactly one record, identical runs counted once, the record's backbone being the
one built, every metric value validated, records readable by others, and the CLI's messages.
"""
from __future__ import annotations

import json
import os
import shutil
import stat

import pytest
import torch

import mimbench  # noqa: F401
from mimbench.cli import main


def _text(capsys) -> str:
    captured = capsys.readouterr()
    return ' '.join((captured.out + captured.err).split())


def _evaluate(*args) -> int:
    return main(['evaluate', *map(str, args)])


# ---- ids are validated before anything trains ---------------------------------------------------------------

@pytest.mark.parametrize('method,message', [
    ('mae/800ep', "method 'mae/800ep' is not a valid id"),
    ('maee', "unknown method 'maee': did you mean mae"),
    ('MAE', "method 'MAE' is not a valid id"),
    ('../x', "method '../x' is not a valid id"),
])
def test_bad_method_ids_are_refused_before_training(method, message, tmp_path, capsys, vit_smoke_checkpoint,
                                                    tiny_data_root):
    code = _evaluate('--checkpoint', vit_smoke_checkpoint, '--method', method, '--scale', 'smoke', '--tasks',
                     'in1k', '--data-root', tiny_data_root, '--work-dir', tmp_path)
    assert code == 2
    assert message in _text(capsys)
    assert not list(tmp_path.glob('**/*.py'))  # nothing was derived, let alone trained


def test_a_new_method_id_is_accepted_when_declared(tmp_path, capsys, vit_smoke_checkpoint):
    code = _evaluate('--checkpoint', vit_smoke_checkpoint, '--method', 'my-mim', '--new-method', '--scale',
                     'smoke', '--tasks', 'in1k', '--work-dir', tmp_path, '--dry-run')
    assert code == 0 and "method='my-mim'" in capsys.readouterr().out


@pytest.mark.parametrize('extra,message', [
    (('--scale', 'full', '--backbone', 'vit-smoke'), "--scale full runs the papers' recipes at real size"),
    # the file holds vit-smoke: the contradiction is named while planning (tests/test_releases.py)
    (('--scale', 'smoke', '--backbone', 'vit-l'), '--backbone vit-l contradicts the checkpoint'),
])
def test_scale_and_backbone_must_agree(extra, message, tmp_path, capsys, vit_smoke_checkpoint):
    code = _evaluate('--checkpoint', vit_smoke_checkpoint, '--tasks', 'in1k', '--work-dir', tmp_path, *extra)
    assert code == 2 and message in _text(capsys)


@pytest.mark.parametrize('gpus', ['0', '-2', 'two'])
def test_gpus_must_be_positive(gpus, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(['evaluate', '--checkpoint', 'none', '--backbone', 'vit-smoke', '--gpus', gpus])
    assert exit_info.value.code == 2
    assert 'argument --gpus' in _text(capsys)


# ---- the record is the completion marker; a kill at any point leaves exactly one record -----------------------

def _smoke_run(tmp_path, data_root):
    from mimbench.evaluate import derive_config

    work = tmp_path / 'random_vit-smoke' / 'in1k'
    run = derive_config('in1k', 'vit-smoke', None, 'random', 'smoke', work, work / 'results',
                        data_root=str(data_root))
    return run


def test_kill_after_record_before_any_other_marker_does_not_train_again(tmp_path, tiny_data_root):
    from rich.console import Console

    from mimbench.evaluate import run_tasks

    run = _smoke_run(tmp_path, tiny_data_root)
    console = Console(file=open(os.devnull, 'w'))
    assert run_tasks([run], 'none', console) == []
    records = sorted(run.results_dir.glob('*.json'))
    assert len(records) == 1 and run.finished()
    # a record write cut short by kill -9 leaves a temporary file; neither it nor the finished record
    # makes the re-run train again or write a second record
    (run.results_dir / '.tmp-abc.json').write_text('{"task": "in1')
    assert run_tasks([_smoke_run(tmp_path, tiny_data_root)], 'none', console) == []
    assert sorted(run.results_dir.glob('*.json')) == records


def test_kill_between_last_checkpoint_and_record_re_evaluates_once(tmp_path, tiny_data_root):
    """Resumed from a checkpoint saved after the last training step (so before the final evaluation), the run
    evaluates again and writes exactly one record, with the evaluations kept in the checkpoint."""
    from mmengine.config import Config
    from rich.console import Console

    from mimbench.evaluate import run_tasks

    run = _smoke_run(tmp_path, tiny_data_root)
    text = run.config.read_text() + (
        "\ndefault_hooks = dict(checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=1, "
        "save_last=True))\ntrain_cfg = dict(val_interval=1)\n")
    run.config.write_text(text)
    console = Console(file=open(os.devnull, 'w'))
    from mimbench.runner import build_runner

    runner = build_runner(Config.fromfile(str(run.config)), work_dir=str(run.work_dir), resume=True)
    runner.train()
    written = sorted(run.results_dir.glob('*.json'))
    assert len(written) == 1
    history = json.loads(written[0].read_text())['history']
    assert [h['step'] for h in history] == [1, 2]
    written[0].unlink()  # as if killed after the last checkpoint, before the record was written
    run.config.write_text(text)
    failures = run_tasks([run], 'none', console)
    assert failures == []
    again = sorted(run.results_dir.glob('*.json'))
    assert len(again) == 1
    record = json.loads(again[0].read_text())
    assert [h['step'] for h in record['history']][:2] == [1, 2]  # restored from the checkpoint
    assert record['history'][-1]['step'] == 2 and record['metrics']


# ---- identical runs count once ---------------------------------------------------------------------------

def _record(**overrides):
    from mimbench.results import ResultRecord

    fields = dict(task='coco', method='mae', backbone='vit-b', metrics={'ap_box': 50.0}, seed=0,
                  checkpoint_sha256='ab' * 32, date='2026-12-01T00:00:00+00:00')
    fields.update(overrides)
    return ResultRecord(**fields)


def test_copies_and_reruns_of_one_run_count_once(tmp_path):
    from mimbench.leaderboard.records import aggregate_records
    from mimbench.results import collect_records, write_record

    first = write_record(_record(), tmp_path)
    for i in range(2):
        shutil.copy(first, tmp_path / f'copy{i}.json')
    write_record(_record(date='2026-12-02T00:00:00+00:00', metrics={'ap_box': 50.2}), tmp_path)  # re-run
    write_record(_record(seed=1, metrics={'ap_box': 49.0}), tmp_path)  # another seed: another run
    records, problems = collect_records([tmp_path])
    assert len(records) == 2 and sorted(r.seed for r in records) == [0, 1]
    assert any('4 records of the same run' in p for p in problems)
    kept = next(r for r in records if r.seed == 0)
    assert kept.metrics == {'ap_box': 50.2}  # the latest
    table = aggregate_records(records)
    assert table['n'].tolist() == [2]


# ---- the record's backbone is what was built and loaded --------------------------------------------------------

def test_record_backbone_must_be_the_model_built(tmp_path, tiny_data_root):
    from mmengine.config import Config

    from mimbench.runner import build_runner

    run = _smoke_run(tmp_path, tiny_data_root)
    cfg = Config.fromfile(str(run.config))
    cfg.mimbench.backbone = 'vit-l'
    runner = build_runner(cfg, work_dir=str(tmp_path / 'wrong'))
    with pytest.raises(ValueError, match="mimbench.backbone is 'vit-l' but the model built holds a vit-smoke"):
        runner.train()
    assert not list((tmp_path / 'wrong').glob('results/*.json'))


# ---- every metric value is validated; a bad record is a problem line, never a crash ---------------------------

BAD_VALUES = ['37.5', float('nan'), float('inf'), True, None, -5, 100.5, [1], {'a': 1}]


@pytest.mark.parametrize('where', ['metrics', 'best_metrics'])
@pytest.mark.parametrize('value', BAD_VALUES, ids=repr)
def test_bad_metric_values_are_problem_lines(where, value, tmp_path):
    from mimbench.leaderboard import build_leaderboards
    from mimbench.results import collect_records, write_record

    good = write_record(_record(), tmp_path / 'runs')
    data = json.loads(good.read_text())
    data[where] = {'ap_box': value}
    bad = tmp_path / 'runs' / 'bad.json'
    bad.write_text(json.dumps(data))  # NaN and inf are written as JSON's NaN/Infinity tokens
    records, problems = collect_records([tmp_path / 'runs'])
    assert len(records) == 1 and any(str(bad) in p and 'ap_box' in p for p in problems)
    written = build_leaderboards([tmp_path / 'runs'], tmp_path / 'lb')  # no crash, tables written
    assert written and (tmp_path / 'lb' / 'combined.md').exists()
    assert 'inf' not in (tmp_path / 'lb' / 'combined.md').read_text().lower()


@pytest.mark.parametrize('field,value', [
    ('seed', '0'), ('seed', True), ('epochs', 'ten'), ('scale', 'huge'), ('method', 'mae/800ep'),
    ('backbone', None), ('history', {}), ('pretrain', []), ('note', None), ('resolution', -224),
    ('schema_version', True),
])
def test_bad_field_types_are_problem_lines(field, value, tmp_path):
    from mimbench.results import collect_records, write_record

    good = write_record(_record(), tmp_path)
    data = json.loads(good.read_text())
    data[field] = value
    (tmp_path / 'bad.json').write_text(json.dumps(data))
    records, problems = collect_records([tmp_path])
    assert len(records) == 1 and any('bad.json' in p and field in p for p in problems), problems


def test_records_are_readable_by_others_per_umask(tmp_path):
    from mimbench.results import write_record

    old = os.umask(0o022)
    try:
        path = write_record(_record(), tmp_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


# ---- tracebacks become messages --------------------------------------------------------------------------------

def test_full_amp_recipe_on_cpu_is_a_message(tmp_path, capsys, tiny_data_root):
    if torch.cuda.is_available():
        pytest.skip('this machine has a GPU: the AMP recipe would run')
    code = _evaluate('--checkpoint', 'none', '--backbone', 'vit-b', '--method', 'random', '--scale', 'full',
                     '--tasks', 'in1k', '--data-root', tiny_data_root, '--work-dir', tmp_path)
    text = _text(capsys)
    assert code == 2 and 'mixed precision (AmpOptimWrapper' in text and 'no CUDA device' in text


def test_train_fp32_switch_replaces_amp():
    from mmengine.config import Config

    from mimbench.runner import to_fp32
    from mimbench.transfer.tasks import task_config

    cfg = Config.fromfile(task_config('in1k', 'vit-b', 'full', method='mae'))
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    to_fp32(cfg)
    assert cfg.optim_wrapper.type == 'OptimWrapper' and 'dtype' not in cfg.optim_wrapper
    assert 'fp32' in cfg.mimbench.note


def test_pretrain_slurm_without_srun_is_a_message(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv('PATH', str(tmp_path))  # no srun here
    code = main(['pretrain', 'mae', '--backbone', 'vit-smoke', '--launcher', 'slurm',
                 '--work-dir', str(tmp_path / 'w')])
    assert code == 2 and 'needs `srun` on PATH' in _text(capsys)


def test_train_bad_inputs_are_messages(tmp_path, capsys):
    from mimbench.transfer.tasks import task_config

    config = task_config('in1k', 'vit-smoke', 'smoke')
    cases = [
        ([str(tmp_path / 'missing.py')], 'does not exist; expected an OpenMMLab Python config'),
        ([str(tmp_path)], 'is a directory; expected an OpenMMLab Python config file'),
        ([config, '--cfg-options', 'optim_wrapper.optimizer.lrr=0.1'],
         "has no 'optim_wrapper.optimizer.lrr'. did you mean optim_wrapper.optimizer.lr?"),
        ([config, '--cfg-options', 'modle.backbone.drop_path_rate=0.1'], "has no 'modle'"),
    ]
    for argv, message in cases:
        assert main(['train', *argv, '--work-dir', str(tmp_path / 'w')]) == 2, argv
        assert message.lower() in _text(capsys).lower(), argv
    with pytest.raises(SystemExit) as exit_info:
        main(['train', config, '--cfg-options', 'optim_wrapper.optimizer.lr'])
    assert exit_info.value.code == 2
    assert "expected KEY=VALUE" in _text(capsys)


def test_new_key_under_an_existing_dict_is_accepted():
    from mmengine.config import Config

    from mimbench.config_options import check_cfg_options
    from mimbench.transfer.tasks import task_config

    cfg = Config.fromfile(task_config('in1k', 'vit-smoke', 'smoke'))
    check_cfg_options(cfg, {'model.backbone.with_cp': True, 'param_scheduler.0.end': 2,
                            'optim_wrapper.optimizer.lr': 1e-3})


def test_derived_config_survives_the_run_with_the_resolved_dump_beside_it(tmp_path, tiny_data_root):
    """mmengine dumps the resolved config over `<work_dir>/<config name>`; the derived config stays readable."""
    from mmengine.config import Config

    from mimbench.runner import build_runner

    run = _smoke_run(tmp_path, tiny_data_root)
    text = run.config.read_text()
    build_runner(Config.fromfile(str(run.config)), work_dir=str(run.work_dir))
    assert run.config.read_text() == text and text.startswith('# Derived by `mimbench evaluate`')
    resolved = run.config.with_name('in1k.resolved.py')
    assert resolved.is_file() and Config.fromfile(str(resolved)).model.type == Config.fromfile(
        str(run.config)).model.type


def test_tasks_all_skips_tasks_without_a_recipe_for_the_backbone_and_says_so(tmp_path, capsys):
    from mimbench.transfer import tasks

    code = _evaluate('--checkpoint', 'none', '--backbone', 'swin-smoke', '--scale', 'smoke', '--work-dir',
                     tmp_path, '--dry-run')
    text = _text(capsys)
    assert code == 0
    without = [t for t in tasks.TASKS if not tasks.TASKS[t].evaluates
               and not any(f == 'swin' for f in (tasks.family_of(b) for b, p in tasks.TASKS[t].full
                                                  if p == 'finetune'))]
    assert without, 'expected some task without a Swin recipe'
    for task in without:
        assert f'skipped {task}: no full recipe of task {task} for a swin backbone' in text
    assert '# === in1k:' in text and '# === coco:' in text
    # named explicitly, the same task is an error
    code = _evaluate('--checkpoint', 'none', '--backbone', 'swin-smoke', '--scale', 'smoke', '--tasks',
                     without[0], '--work-dir', tmp_path, '--dry-run')
    assert code == 2 and f'no full recipe of task {without[0]}' in _text(capsys)
