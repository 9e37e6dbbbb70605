"""Several runners in one process (one per task, as `mimbench evaluate` runs them) keep their own default
scope and visualizer, even when built within the same second; and OpenMMLab's `mim train mimbench CONFIG`
script runs a config."""

import subprocess
import sys
from pathlib import Path

from mmengine.config import Config

import mimbench  # noqa: F401
from mimbench.runner import build_runner


def _cfg(scope):
    return Config(
        dict(
            default_scope=scope,
            model=dict(
                type='mmpretrain.ImageClassifier',
                data_preprocessor=dict(type='mmpretrain.ClsDataPreprocessor'),
                backbone=dict(type='mmpretrain.ResNet', depth=18),
                neck=dict(type='mmpretrain.GlobalAveragePooling'),
                head=dict(type='mmpretrain.LinearClsHead', num_classes=2, in_channels=512),
            ),
            log_level='WARNING',
        )
    )


def test_runners_in_one_process_do_not_share_scope_or_visualizer(tmp_path):
    det = build_runner(_cfg('mmdet'), work_dir=str(tmp_path / 'a'))
    seg = build_runner(_cfg('mmseg'), work_dir=str(tmp_path / 'b'))
    assert det.experiment_name != seg.experiment_name
    assert det.default_scope.scope_name == 'mmdet' and seg.default_scope.scope_name == 'mmseg'
    assert det.visualizer is not seg.visualizer
    assert det.message_hub is not seg.message_hub


def test_mim_train_script_runs_a_config(tmp_path):
    from mimbench.datasets.synthetic import make_imagenet

    make_imagenet(tmp_path / 'in1k')
    script = Path(mimbench.__file__).parent / '.mim' / 'tools' / 'train.py'
    from mimbench.transfer.tasks import task_config

    recipe = Path(task_config('in1k', 'resnet-50')).name
    config = Path(mimbench.__file__).parent / '.mim' / 'configs' / 'transfer' / 'in1k' / recipe
    assert script.is_file() and config.is_file()  # where `mim train mimbench` looks for them
    from mimbench.smoke import write_smoke_config

    config = write_smoke_config(config, tmp_path / 'smoke.py')   # its smoke twin: `_base_` the recipe above
    from mimbench.datasets.overrides import cfg_options_text

    options = cfg_options_text('in1k', tmp_path / 'in1k').split()
    proc = subprocess.run(
        [
            sys.executable,
            str(script),
            str(config),
            '--launcher',
            'none',
            '--work-dir',
            str(tmp_path / 'w'),
            '--cfg-options',
            *options,
            'mimbench.method=random',
            'model.backbone.init_cfg=None',
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={'PATH': '/usr/bin:/bin', 'OMP_NUM_THREADS': '1', 'HOME': str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert list((tmp_path / 'w' / 'results').glob('*.json'))
