"""`mimbench evaluate`: dry run, an end-to-end CPU smoke evaluation of one small encoder on every kind of
task, resuming a finished suite, and the errors for bad input (which never lose finished results)."""

import json

import pytest
import torch

import mimbench  # noqa: F401
from mimbench.cli import main

E2E_TASKS = 'coco,ade20k,in1k,inat2018,places205'  # detection, segmentation, folder/JSON/list classification


@pytest.fixture(scope='module')
def vit_checkpoint(tmp_path_factory):
    """A vit-smoke encoder saved as mimbench pre-training saves it (mmengine container, `backbone.`
    prefix)."""
    from mmpretrain.models import VisionTransformer

    torch.manual_seed(0)
    vit = VisionTransformer(
        arch=dict(embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384),
        img_size=64,
        patch_size=16,
    )
    state = {f'backbone.{k}': v for k, v in vit.state_dict().items()}
    path = tmp_path_factory.mktemp('ckpt') / 'vit_smoke.pth'
    torch.save({'state_dict': state, 'meta': {'epoch': 1}}, path)
    return path, state


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    from mimbench.datasets.synthetic import make_all

    root = tmp_path_factory.mktemp('data')
    make_all(root)
    return root


def _evaluate(command: str, *args) -> int:
    """Run ``mimbench evaluate`` with ``command`` (split on spaces; tmp paths have none) plus ``args``."""
    return main(['evaluate', *command.split(), *map(str, args)])


def test_dry_run_prints_configs_and_commands(tmp_path, capsys, vit_checkpoint, data_root):
    ckpt, _ = vit_checkpoint
    cmd = f'--checkpoint {ckpt} --method mae --scale smoke --tasks all --data-root {data_root}'
    assert _evaluate(cmd, '--work-dir', tmp_path, '--dry-run') == 0
    out = capsys.readouterr().out
    from mimbench.transfer.tasks import TASKS
    from mmengine.config import Config

    for task in TASKS:
        config = tmp_path / 'mae_vit-smoke' / task / f'{task}.py'
        assert f'# === {task}: {config}' in out
        cfg = Config.fromfile(str(config))  # a real, loadable config a user can re-run
        assert cfg.mimbench.task == task and cfg.mimbench.backbone == 'vit-smoke'
        assert cfg.model.backbone.init_cfg.checkpoint == str(ckpt)
    assert out.count('-m mimbench.train') == len(TASKS)
    assert not list(tmp_path.glob('**/results/*.json'))  # nothing ran


def test_launcher_commands(tmp_path, capsys, vit_checkpoint, data_root):
    ckpt, _ = vit_checkpoint
    for launcher, expected in (
        ('pytorch', 'torch.distributed.run --standalone --nproc_per_node=4'),
        ('slurm', 'srun --partition=gpu'),
    ):
        cmd = f'--checkpoint {ckpt} --scale smoke --tasks coco --launcher {launcher} --gpus 4 --partition gpu'
        assert _evaluate(cmd, '--work-dir', tmp_path, '--dry-run') == 0
        out = capsys.readouterr().out
        assert expected in out and f'--launcher {launcher}' in out


def test_smoke_evaluation_end_to_end_then_resume(tmp_path, capsys, vit_checkpoint, data_root):
    ckpt, state = vit_checkpoint
    cmd = (f'--checkpoint {ckpt} --method mae --scale smoke --tasks {E2E_TASKS} --data-root {data_root} '
           f'--work-dir {tmp_path / "ev"} --leaderboard-dir {tmp_path / "lb"}')
    assert _evaluate(cmd) == 0
    records = sorted((tmp_path / 'ev').glob('**/results/*.json'))
    assert {json.loads(p.read_text())['task'] for p in records} == set(E2E_TASKS.split(','))
    for path in records:
        record = json.loads(path.read_text())
        assert record['method'] == 'mae' and record['backbone'] == 'vit-smoke' and record['scale'] == 'smoke'
        assert record['checkpoint_sha256'] and record['metrics']
    assert (tmp_path / 'lb' / 'index.md').exists() and (tmp_path / 'lb' / 'combined.md').exists()
    combined = (tmp_path / 'lb' / 'combined.csv').read_text()
    assert 'vit-smoke' in combined
    capsys.readouterr()

    # a second run of the same command skips every finished task and writes no new record
    assert _evaluate(cmd) == 0
    err = capsys.readouterr().err
    assert err.count('finished earlier, skipped') == len(E2E_TASKS.split(','))
    assert sorted((tmp_path / 'ev').glob('**/results/*.json')) == records


def test_bad_inputs_fail_with_a_message_and_keep_finished_results(
    tmp_path, capsys, vit_checkpoint, data_root
):
    ckpt, _ = vit_checkpoint
    work = tmp_path / 'ev'
    common = ('--scale', 'smoke', '--work-dir', work, '--leaderboard-dir', tmp_path / 'lb')
    first = f'--checkpoint {ckpt} --method mae --tasks places205 --data-root {data_root}'
    assert _evaluate(first, *common) == 0
    finished = sorted(work.glob('**/results/*.json'))
    assert len(finished) == 1
    capsys.readouterr()

    cases = [
        (f'--checkpoint {ckpt} --tasks coco,imagenet21k', 2, 'unknown task(s) imagenet21k; valid tasks:'),
        ('--checkpoint none --backbone vit-xxl --tasks coco', 2,
         "unknown backbone 'vit-xxl'; valid backbones:"),
        (f'--checkpoint {tmp_path / "missing.pth"} --tasks coco', 2, 'does not exist'),
        (f'--checkpoint {ckpt} --tasks coco --data-root {tmp_path / "no-data"}', 2,
         'missing annotations/instances_train2017.json'),
        # a ViT checkpoint forced into a Swin backbone: refused while planning (the loader would list what
        # does not fit, tests/test_checkpoints.py)
        (f'--checkpoint {ckpt} --backbone swin-smoke --tasks in1k --data-root {data_root}', 2,
         '--backbone swin-smoke contradicts the checkpoint'),
    ]
    for extra, code, message in cases:
        assert _evaluate(extra, *common) == code, extra
        captured = capsys.readouterr()
        assert message in ' '.join((captured.out + captured.err).split()), (extra, captured.err[-2000:])
    assert sorted(work.glob('**/results/*.json')) == finished  # finished results survive every failure


def test_foreign_backbones_timm_and_config_file(tmp_path, capsys, data_root):
    """A timm model name and a backbone config file are evaluated through mimbench.ForeignBackbone; a timm
    checkpoint really arrives, and one that does not fit fails loudly."""
    import timm
    from mmengine.config import Config

    from mimbench.registry import MODELS

    torch.manual_seed(0)
    timm_ckpt = tmp_path / 'resnet18_timm.pth'
    torch.save(timm.create_model('resnet18').state_dict(), timm_ckpt)
    common = ('--scale', 'smoke', '--data-root', data_root, '--leaderboard-dir', tmp_path / 'lb')
    cmd = f'--checkpoint {timm_ckpt} --backbone timm:resnet18 --method supervised --tasks coco,in1k'
    assert _evaluate(cmd, '--work-dir', tmp_path / 'ev', *common) == 0
    records = [json.loads(p.read_text()) for p in (tmp_path / 'ev').glob('**/results/*.json')]
    assert sorted(r['task'] for r in records) == ['coco', 'in1k']
    assert {r['backbone'] for r in records} == {'timm-resnet18'} and all(
        'foreign' in r['note'] for r in records
    )

    # the derived config's backbone loads the timm weights bit for bit
    cfg = Config.fromfile(str(tmp_path / 'ev' / 'supervised_timm-resnet18' / 'in1k' / 'in1k.py'))
    backbone = MODELS.build(cfg.model.backbone)
    backbone.init_weights()
    expected = torch.load(timm_ckpt, weights_only=True)
    got = backbone.backbone.timm_model.state_dict()
    assert all(torch.equal(got[k], expected[k]) for k in got)
    assert len(backbone.mimbench_load_report.loaded) == len(got)

    # a checkpoint of another model fails with the key lists
    wrong = tmp_path / 'resnet34.pth'
    torch.save(timm.create_model('resnet34').state_dict(), wrong)
    capsys.readouterr()
    cmd = f'--checkpoint {wrong} --backbone timm:resnet18 --tasks in1k'
    assert _evaluate(cmd, '--work-dir', tmp_path / 'ev2', *common) == 1
    assert 'does not fit' in ' '.join(capsys.readouterr().err.split())

    # any registered backbone through a config file: a 4-stage ConvNeXt into UperNet
    spec = tmp_path / 'tiny_convnext.py'
    spec.write_text(
        "backbone = dict(type='mmpretrain.ConvNeXt', arch=dict(depths=[1, 1, 1, 1], "
        'channels=[16, 32, 64, 128]), out_indices=(0, 1, 2, 3), gap_before_final_norm=False)\n'
    )
    cmd = f'--checkpoint none --backbone {spec} --tasks ade20k'
    assert _evaluate(cmd, '--work-dir', tmp_path / 'ev3', *common) == 0
    assert len(list((tmp_path / 'ev3').glob('**/results/*.json'))) == 1
