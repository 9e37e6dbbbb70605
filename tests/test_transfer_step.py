"""benchmarks/transfer_step.py's machinery on one tiny config (real-size steps are never run here): a recipe
measured in subprocesses, the CSV it resumes from, the batch policy (measure or extrapolate), the schedule
arithmetic, the README table, and the lines `mimbench evaluate --dry-run` prints from a results CSV."""
from __future__ import annotations

import argparse
import importlib.util
import math
from pathlib import Path

import pandas as pd
import pytest
from mmengine.config import Config

FULL = 'configs/transfer/coco/mask-rcnn_vit-base-p16_mae_8xb8-lsj-100e_coco.py'
ROOT_PRETRAIN = Path('configs/pretrain')


@pytest.fixture(scope='module')
def bench():
    spec = importlib.util.spec_from_file_location('transfer_step', 'benchmarks/transfer_step.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def smoke(tmp_path_factory) -> str:
    """The COCO ViT-B recipe's smoke twin (mimbench.smoke) as a config file: a tiny recipe to measure."""
    from mimbench.smoke import write_smoke_config
    return str(write_smoke_config(FULL, tmp_path_factory.mktemp('smoke') / 'coco_smoke.py'))


def test_one_tiny_recipe_is_measured_then_skipped(bench, smoke, tmp_path, capsys):
    out = tmp_path / 'steps.csv'
    args = ['--configs', smoke, '--out', str(out), '--data-dir', str(tmp_path / 'data'), '--warmup', '0',
            '--steps', '1']
    assert bench.main(args) == 0
    row = pd.read_csv(out).iloc[0]
    assert row['config'] == 'coco_smoke' and row['task'] == 'coco'
    # no NxbM in the name: the recipe's auto_scale_lr base batch (64) over the per-device batch (2)
    assert row['input_size'] == 64 and row['batch_per_device'] == 2 and row['devices'] == 32
    assert row['measured_batch'] == 2 and not row['estimate'] and pd.isna(row['error'])  # batch 2 fits
    assert row['peak_mem_GiB'] > 0 and row['process_peak_GiB'] > row['peak_mem_GiB']
    assert row['s_per_iter'] > 0 and row['img_per_s'] == pytest.approx(2 / row['s_per_iter'], rel=1e-3)
    assert row['schedule_iters'] == 2                                     # the smoke schedule's max_iters
    assert row['device_hours'] == pytest.approx(row['s_per_iter'] * 2 * 32 / 3600, rel=1e-3)
    assert (tmp_path / 'data' / 'coco-64').is_dir()                       # generated at the input size
    capsys.readouterr()
    assert bench.main(args) == 0                                          # resumable: nothing measured again
    assert 'already' in capsys.readouterr().out
    assert len(pd.read_csv(out)) == 1
    assert '| coco_smoke |' in bench.markdown(out, recipes=[])
    # recipes without a row are listed as not measured; an ablation variant names the recipe it changes
    base = ROOT_PRETRAIN / 'mae/mae_vit-base-p16_8xb512-coslr-1600e_in1k.py'
    variant = ROOT_PRETRAIN / 'mae/ablation/mae_vit-large-p16_8xb512-coslr-800e_in1k_dec-depth-1.py'
    text = bench.markdown(out, recipes=[Path(smoke), base, variant])
    assert '**Transfer recipes** (1 of 1 measured)' in text and '(0 of 1 measured)' in text
    line = next(ln for ln in text.splitlines() if ln.startswith(f'| {variant.stem} |'))
    assert '| 512 |' in line and bench.NOT_MEASURED in line
    assert 'changes mae_vit-large-p16_8xb512-coslr-800e_in1k_pixel-no-norm' in line


def test_batch_policy_measures_what_fits_and_extrapolates_the_rest(bench, smoke, tmp_path, monkeypatch):
    """Fake measurements (peak 1 + 2b GiB, 3b GiB saved for backward, 1 + b s of which 1 s in the optimizer
    step): the recipe batch is measured only when the extrapolation from batches 1 and 2 says it fits;
    otherwise the row holds the extrapolation (memory grows by the larger of the saved tensors' and the
    peak's growth; time is the step's plus the batch times the rest's per-image time), marked as an
    estimate."""
    calls = []

    def fake(job, limit, timeout):
        calls.append(job['batch'])
        b = job['batch']
        return {'batch': b, 'peak_mem_GiB': 1. + 2 * b, 's_per_iter': 1. + b, 'wall_s_per_iter': 2. + b,
                'step_s_per_iter': 1., 'step_wall_s_per_iter': 2., 'process_peak_GiB': 2. + 2 * b,
                'saved_GiB': 3. * b, 'activations_GiB': 2.5 * b}

    monkeypatch.setattr(bench, 'run_isolated', fake)
    monkeypatch.setattr(bench, 'make_data', lambda task, size, root: tmp_path)
    recipe = dict(config='r', path=smoke, kind='transfer', task='coco', input_size=64, batch_per_device=8,
                  devices=8, total_batch=64, schedule_iters=1000, dtype='fp32', note='')
    args = argparse.Namespace(
        device='cpu', activation_checkpointing=False, warmup=1, steps=2, max_mem_gib=100., reserve_gib=0.,
        max_seconds=1e9, timeout=10., data_dir=str(tmp_path), small_batches=[1, 2])
    monkeypatch.setattr(bench, 'available_gib', lambda: 1e3)
    row = bench.measure_recipe(recipe, args)
    assert calls == [1, 2, 8] and row['measured_batch'] == 8 and not row['estimate']
    assert row['peak_mem_GiB'] == 17 and row['s_per_iter'] == 9
    assert row['device_hours'] == pytest.approx(9 * 1000 * 8 / 3600)
    calls.clear()
    args.max_mem_gib = 10.                                               # 23 GiB predicted: does not fit
    row = bench.measure_recipe(recipe, args)
    assert calls == [1, 2] and row['estimate'] and row['measured_batch'] == ''
    assert row['peak_mem_GiB'] == 5 + 3 * 6 and row['s_per_iter'] == 9
    assert row['img_per_s'] == pytest.approx(8 / 9)
    calls.clear()
    real = fake

    def no_single_image(job, limit, timeout):         # BatchNorm on pooled features (linear probing)
        if job['batch'] == 1:
            calls.append(1)
            return {'error': f'batch 1: ValueError: {bench.ONE_IMAGE_BN}, got input size [1, 768]'}
        return real(job, limit, timeout)

    monkeypatch.setattr(bench, 'run_isolated', no_single_image)
    row = bench.measure_recipe(recipe, args)
    assert calls == [1, 2, 4] and row['small_batches'] == '2 4' and 'BatchNorm' in row['note']
    assert row['peak_mem_GiB'] == 9 + 3 * 4 and row['s_per_iter'] == 9      # from batches 2 and 4
    calls.clear()
    row = bench.measure_recipe(dict(recipe, batch_per_device=2), args)     # UperNet's recipe batch 2
    assert calls == [1, 2] and row['small_batches'] == '2' and row['measured_batch'] == 2
    assert row['peak_mem_GiB'] == 5 and not row['estimate']
    # the cheapest check (--small-batches 1): batch 1 alone, its activations per image carry the memory
    calls.clear()
    monkeypatch.setattr(bench, 'run_isolated', fake)
    args.small_batches = [1]
    row = bench.measure_recipe(recipe, args)
    assert calls == [1] and row['small_batches'] == '1' and row['estimate']
    assert row['peak_mem_GiB'] == 3 + 2.5 * 7 and row['s_per_iter'] == 9
    calls.clear()
    monkeypatch.setattr(bench, 'run_isolated', no_single_image)
    row = bench.measure_recipe(recipe, args)                              # BatchNorm: batch 2 alone
    assert calls == [1, 2] and row['small_batches'] == '2' and row['peak_mem_GiB'] == 5 + 2.5 * 6


def test_saved_bytes_leave_the_parameters_out(bench):
    import torch
    layer = torch.nn.Linear(64, 32)
    saved = bench.SavedBytes({p.untyped_storage().data_ptr() for p in layer.parameters()})
    x = torch.randn(16, 64, requires_grad=True)
    with torch.autograd.graph.saved_tensors_hooks(saved.pack, saved.unpack):
        layer(x).relu().sum().backward()
    assert saved.total(activations=True) == 16 * 64 * 4 + 16 * 32 * 4      # the input and the output
    assert saved.total() - saved.total(activations=True) == 64 * 32 * 4    # the weight (not the bias)


def test_schedule_iterations_and_devices(bench):
    coco = Config.fromfile('configs/transfer/coco/mask-rcnn_vit-base-p16_mae_8xb8-lsj-100e_coco.py')
    total = 8 * coco.train_dataloader.batch_size
    assert bench.schedule_iterations(coco, 'coco', total) == 100 * math.ceil(117_266 / total)
    ade = Config.fromfile('configs/transfer/ade20k/upernet_vit-base-p16_mae_8xb2-126k_ade20k.py')
    assert bench.schedule_iterations(ade, 'ade20k', 16) == 126313                     # iteration-based
    mae = Config.fromfile('configs/pretrain/mae/mae_vit-base-p16_8xb512-coslr-1600e_in1k.py')
    assert bench.schedule_iterations(mae, 'in1k', 4096) == 1600 * (1_281_167 // 4096)  # drop_last
    assert bench.input_size(coco) == 1024 and bench.input_size(ade) == 512 and bench.input_size(mae) == 224
    recipes = {p.stem for p in bench.discover()}
    assert 'mask-rcnn_vit-large-p16_mae_8xb8-lsj-100e_coco' in recipes
    assert 'mae_vit-huge-p14_8xb512-coslr-1600e_in1k' in recipes
    assert not any(r.endswith('_smoke') for r in recipes)
    assert not any(r.startswith('test_') for r in recipes)                # robustness: evaluation only
    kinds = [bench.plan(p, argparse.Namespace(device='cpu', dtype=None))['kind'] for p in (
        ROOT_PRETRAIN / 'mae/mae_vit-base-p16_8xb512-coslr-1600e_in1k.py',
        ROOT_PRETRAIN / 'mae/ablation/mae_vit-large-p16_8xb512-coslr-800e_in1k_dec-depth-1.py')]
    assert kinds == ['pretrain', 'ablation']
    order = [p.parent.name == 'ablation' for p in bench.discover(('pretrain', 'ablation'))]
    assert order == sorted(order) and any(order) and not all(order)      # base recipes first


def test_dry_run_lines_from_a_results_csv(tmp_path):
    from mimbench.transfer.estimates import describe
    table = pd.DataFrame([dict(config='upernet_x_8xb2-16k_ade20k', device='cpu', device_name='2 CPU threads',
                               dtype='fp32', activation_checkpointing=False, batch_per_device=4, devices=8,
                               measured_batch=float('nan'), estimate=True, peak_mem_GiB=30.25, s_per_iter=12.,
                               img_per_s=0.33, schedule_iters=16000, device_hours=426.7, error=float('nan'))])
    lines = describe('configs/transfer/ade20k/upernet_x_8xb2-16k_ade20k.py', table=table, processes=2)
    text = '\n'.join(lines)
    assert '30.2 GiB per device at batch 4 (extrapolated from batches 1 and 2)' in text
    assert '427 device-hours' in text and 'about 213 h wall-clock on 2' in text
    assert 'cuda: not measured yet' in text
    assert 'not measured with activation checkpointing' in '\n'.join(
        describe('upernet_x_8xb2-16k_ade20k', checkpointing=True, table=table))
    assert 'no measurement of other_config' in describe('other_config', table=table)[0]
    assert 'foreign backbone' in describe(None, table=table)[0]
    error = 'batch 2: resident memory passed 12.0 GiB'
    failed = pd.concat([table, table.assign(config='big_8xb2', error=error)])
    assert f'tried and failed: cpu: {error}' in describe('big_8xb2', table=failed)[0]


def test_dry_run_reads_the_sweep_files_only(tmp_path):
    """The extrapolation check's CSV sits next to the sweep's under a similar name; its rows (no device, other
    columns) are not measurements the dry run may describe."""
    from mimbench.transfer.estimates import load
    pd.DataFrame([dict(config='r', device='cpu', error=float('nan'))]).to_csv(
        tmp_path / 'transfer_step_cpu.csv', index=False)
    pd.DataFrame([dict(config='r', batch=8, measured_GiB=1.0, error='')]).to_csv(
        tmp_path / 'transfer_step_extrapolation_cpu.csv', index=False)
    table = load(tmp_path)
    assert len(table) == 1 and list(table['device']) == ['cpu']


def test_failed_measurements_are_tried_again(bench, smoke, tmp_path, monkeypatch):
    out = tmp_path / 'steps.csv'
    row = {c: '' for c in bench.COLUMNS}
    row.update(config='coco_smoke', kind='transfer', task='coco', device='cpu',
               dtype='fp32', activation_checkpointing=False)
    bench.write_rows(out, [dict(row, error='batch 1: resident memory passed 2.0 GiB')])
    measured = []

    def measure(recipe, args):
        measured.append(recipe['config'])
        return dict(row, peak_mem_GiB=1.0, s_per_iter=1.0, batch_per_device=2, estimate=False)

    monkeypatch.setattr(bench, 'measure_recipe', measure)
    assert bench.main(['--configs', smoke, '--out', str(out)]) == 0
    assert measured == ['coco_smoke']
    assert bench.main(['--configs', smoke, '--out', str(out)]) == 0          # now measured: skipped
    assert len(measured) == 1 and len(pd.read_csv(out)) == 1


def test_step_config_drops_only_pretrained_weights(bench, tmp_path):
    """The encoder is built at random weights (same cost, no file): a ``mimbench.Pretrained`` init is
    dropped, an initialiser list (CiM's ViTs: TruncNormal, Constant) is kept as it is."""
    cim = 'configs/pretrain/cim/cim-respix_vit-small-p16_16xb128-coslr-300e_in1k.py'
    job = dict(path=cim, task='in1k', data_root=str(tmp_path) + '/', checkpointing=False)
    _, model, _ = bench.step_config(job)
    assert [i['type'] for i in model.backbone.init_cfg] == ['TruncNormal', 'Constant']
    coco = dict(job, path=FULL, task='coco')
    cfg, model, _ = bench.step_config(coco)
    assert Config.fromfile(FULL).model.backbone.init_cfg.type == 'mimbench.Pretrained'
    assert model.backbone.init_cfg is None and cfg.train_dataloader.dataset.data_root == str(tmp_path) + '/'


def test_step_config_replaces_the_users_target_files(bench, tmp_path):
    """The iGPT-cluster and dVAE-token ablations train against files a user brings; the step runs with
    random stand-ins of the same size (same cost) instead of failing on the missing files."""
    ablation = ROOT_PRETRAIN / 'simmim/ablation'
    job = dict(task='in1k', data_root=str(tmp_path) + '/', checkpointing=False)
    _, model, _ = bench.step_config(dict(job, path=str(
        ablation / 'simmim_swin-base-w6_8xb256-coslr-100e_in1k-192px_igpt-res192.py')))
    assert model.head.clusters is None and model.head.get('num_clusters', 512) == 512
    _, model, _ = bench.step_config(dict(job, path=str(
        ROOT_PRETRAIN / 'mae/ablation/mae_vit-large-p16_8xb512-coslr-800e_in1k_dvae-token.py')))
    assert model.head.tokenizer.encoder_path is None and model.head.tokenizer.decoder_path is None
    assert model.neck.predict_feature_dim == 8192                        # the 8192-token prediction kept


def test_check_extrapolation_puts_predictions_next_to_measurements(bench, smoke, tmp_path, monkeypatch):
    """--check-extrapolation: batches 1, 2 and each checked batch are measured; the row holds what batch 1
    alone and batches 1 and 2 predict for the checked batch (same fakes as the batch policy test), and a
    checked batch that does not run is a row with its error."""
    def fake(job, limit, timeout):
        b = job['batch']
        if b > 16:
            return {'error': f'batch {b}: resident memory passed {limit:.1f} GiB'}
        return {'batch': b, 'peak_mem_GiB': 1. + 2 * b, 's_per_iter': 1. + b, 'wall_s_per_iter': 2. + b,
                'step_s_per_iter': 1., 'step_wall_s_per_iter': 2., 'process_peak_GiB': 2. + 2 * b,
                'saved_GiB': 3. * b, 'activations_GiB': 2.5 * b}

    monkeypatch.setattr(bench, 'run_isolated', fake)
    monkeypatch.setattr(bench, 'make_data', lambda task, size, root: tmp_path)
    monkeypatch.setattr(bench, 'available_gib', lambda: 1e3)
    recipe = dict(config='r', path=smoke, kind='transfer', task='coco', input_size=64, batch_per_device=8,
                  devices=8, total_batch=64, schedule_iters=1000, dtype='fp32', note='')
    args = argparse.Namespace(device='cpu', activation_checkpointing=False, warmup=1, steps=1,
                              max_mem_gib=50., reserve_gib=0., timeout=10., data_dir=str(tmp_path))
    rows = bench.check_extrapolation(recipe, [8, 32], args)
    assert [r['batch'] for r in rows] == [8, 32]
    row = rows[0]
    assert row['measured_GiB'] == 17 and row['measured_s'] == 9 and row['error'] == ''
    assert row['from_1_GiB'] == 3 + 2.5 * 7                  # batch 1's peak + its activations per image
    assert row['from_1_2_GiB'] == 5 + 3 * 6                  # batch 2's peak + the saved tensors' growth
    assert row['from_1_s'] == row['from_1_2_s'] == 9
    assert 'resident memory passed' in rows[1]['error'] and 'measured_GiB' not in rows[1]
