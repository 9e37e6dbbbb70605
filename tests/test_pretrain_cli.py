"""`mimbench pretrain`: recipes are found by method × backbone × scale, bad names list the valid ones, and a
smoke pre-training run (the recipe's smoke twin, mimbench.smoke) writes a checkpoint that `mimbench evaluate`
identifies (backbone and method)."""

import pytest

from mimbench.pretrain import PretrainError, find_config, methods, smoke_twin


def test_every_method_has_a_smoke_run_per_demo_family(tmp_path):
    assert set(methods()) >= {'mae', 'simmim', 'cim', 'mixmim'}
    for method, backbone in (
        ('mae', 'vit-smoke'),
        ('simmim', 'swin-smoke'),
        ('simmim', 'vit-smoke'),
        ('cim', 'vit-smoke'),
        ('cim', 'resnet-smoke'),
        ('mixmim', 'mixmim-smoke'),
    ):
        path = find_config(method, backbone, 'smoke')   # the base-size recipe its smoke twin shrinks
        assert path.parent.name == method and not path.stem.endswith('_smoke')
        base = {'vit': 'vit-base', 'swin': 'swin-base', 'mixmim': 'mixmim-base', 'resnet': 'resnet50'}
        assert base[backbone.split('-')[0]] in path.stem
    assert find_config('mae', 'vit-smoke', 'smoke') == find_config('mae', 'vit-b', 'full')
    twin = smoke_twin(find_config('mae', 'vit-smoke', 'smoke'), tmp_path)
    assert twin.name == 'mae_vit-base-p16_8xb512-coslr-1600e_in1k_smoke.py' and '_base_' in twin.read_text()


def test_full_recipes_by_backbone():
    assert 'vit-large' in find_config('mae', 'vit-l', 'full').stem
    assert 'vit-huge' in find_config('mae', 'vit-h', 'full').stem


@pytest.mark.parametrize(
    'method,backbone,message',
    [
        ('byol', 'vit-b', "unknown pre-training method 'byol'; valid methods:"),
        ('mae', 'swin-b', 'no full mae config for backbone'),
        ('mae', 'convnext-smoke', "unknown backbone 'convnext-smoke'"),
        ('mixmim', 'mixmim-b', 'several mixmim recipes for mixmim-b'),
    ],
)
def test_bad_choices_are_explained(method, backbone, message):
    with pytest.raises(PretrainError, match=message.replace('(', r'\(')):
        find_config(method, backbone, 'full')


def test_smoke_pretraining_checkpoint_is_identified(tmp_path):
    from mimbench.datasets.synthetic import make_imagenet
    from mimbench.checkpoints.identify import identify_backbone, pretraining_method
    from mimbench.pretrain import run_pretrain

    make_imagenet(tmp_path / 'in1k')
    ckpt = run_pretrain(
        smoke_twin(find_config('mae', 'vit-smoke', 'smoke'), tmp_path / 'work'),
        tmp_path / 'work',
        tmp_path / 'in1k',
        cfg_options={'log_level': 'WARNING'},
    )
    assert ckpt.exists()
    assert identify_backbone(str(ckpt)) == 'vit-smoke'
    assert pretraining_method(str(ckpt)) == 'mae'


def test_launchers_dry_run(capsys, tmp_path):
    from mimbench.cli import main

    assert (
        main(
            [
                'pretrain',
                'mae',
                '--backbone',
                'vit-b',
                '--launcher',
                'pytorch',
                '--gpus',
                '8',
                '--data-root',
                '/data/imagenet',
                '--dry-run',
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert 'torch.distributed.run --standalone --nproc_per_node=8 -m mimbench.train' in out
    assert 'mae_vit-base-p16_8xb512-coslr-1600e_in1k.py' in out and '--launcher pytorch' in out
    assert 'train_dataloader.dataset.data_root=/data/imagenet' in out
    assert (
        main(
            [
                'pretrain',
                'simmim',
                '--backbone',
                'swin-smoke',
                '--launcher',
                'slurm',
                '--gpus',
                '4',
                '--partition',
                'a100',
                '--work-dir',
                str(tmp_path / 'smoke'),
                '--dry-run',
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert out.startswith('srun --partition=a100') and '--launcher slurm' in out
    twin = tmp_path / 'smoke' / 'simmim_swin-base-w6_8xb256-coslr-100e_in1k-192px_smoke.py'
    assert str(twin) in out and twin.is_file()   # the smoke twin of the Swin-B recipe, written for the launch
