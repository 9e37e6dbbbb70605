"""Resuming works on torch >= 2.6 with weights-only loading (mimbench.compat), and reaches the same weights
as an uninterrupted run; a checkpoint that smuggles code is still refused."""

import pickle

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook

import mimbench  # noqa: F401
from mimbench.runner import build_runner


class Interrupted(RuntimeError):
    pass


class InterruptAfterEpoch(Hook):
    """Simulates a killed job: raises once epoch ``n`` and its checkpoint are done."""

    def __init__(self, n):
        self.n = n

    def after_train_epoch(self, runner):
        if runner.epoch + 1 == self.n:
            raise Interrupted(f'interrupted after epoch {self.n}')


def _images(root, n_classes=4, per_class=4):
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    for c in range(n_classes):
        (root / f'class{c}').mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            img = np.full((32, 32, 3), 40 * c, np.uint8) + rng.integers(0, 60, (32, 32, 3), dtype=np.uint8)
            Image.fromarray(img).save(root / f'class{c}' / f'{i}.png')
    return root


def _cfg(data_root):
    return Config(
        dict(
            default_scope='mmpretrain',
            model=dict(
                type='mmpretrain.ImageClassifier',
                data_preprocessor=dict(
                    type='mmpretrain.ClsDataPreprocessor', num_classes=4, mean=[127.5] * 3, std=[127.5] * 3
                ),
                backbone=dict(type='mmpretrain.ResNet', depth=18, norm_cfg=dict(type='BN')),
                neck=dict(type='mmpretrain.GlobalAveragePooling'),
                head=dict(
                    type='mmpretrain.LinearClsHead',
                    num_classes=4,
                    in_channels=512,
                    loss=dict(type='mmpretrain.CrossEntropyLoss'),
                ),
            ),
            train_dataloader=dict(
                batch_size=4,
                num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=True, seed=0),
                dataset=dict(
                    type='mmpretrain.CustomDataset',
                    data_root=str(data_root),
                    pipeline=[dict(type='mmpretrain.LoadImageFromFile'), dict(type='mmpretrain.PackInputs')],
                ),
            ),
            train_cfg=dict(by_epoch=True, max_epochs=3),
            optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-4)),
            param_scheduler=[dict(type='MultiStepLR', milestones=[2], gamma=0.1, by_epoch=True)],
            default_hooks=dict(
                checkpoint=dict(type='CheckpointHook', interval=1), logger=dict(type='LoggerHook', interval=1)
            ),
            randomness=dict(seed=0, deterministic=False),
            log_level='WARNING',
        )
    )


def _weights(runner):
    return {k: v.detach().clone() for k, v in runner.model.state_dict().items()}


def test_interrupted_run_resumes_to_the_same_weights(tmp_path):
    data = _images(tmp_path / 'data')
    straight = build_runner(_cfg(data), work_dir=str(tmp_path / 'straight'))
    straight.train()
    expected = _weights(straight)

    first = build_runner(_cfg(data), work_dir=str(tmp_path / 'resumed'))
    first.register_hook(InterruptAfterEpoch(2), priority='LOWEST')
    with pytest.raises(Interrupted):
        first.train()
    assert (tmp_path / 'resumed' / 'epoch_2.pth').exists()

    second = build_runner(_cfg(data), work_dir=str(tmp_path / 'resumed'), resume=True)
    second.train()
    assert second.epoch == 3
    got = _weights(second)
    assert expected.keys() == got.keys()
    for key in expected:
        torch.testing.assert_close(got[key], expected[key], rtol=0, atol=1e-6, msg=key)
    # the scheduler really was restored (a fresh start would still be at the initial lr)
    assert second.param_schedulers[0].last_step == straight.param_schedulers[0].last_step
    assert second.optim_wrapper.get_lr() == straight.optim_wrapper.get_lr()


def test_checkpoint_loads_weights_only(tmp_path):
    data = _images(tmp_path / 'data')
    cfg = _cfg(data)
    cfg.train_cfg.max_epochs = 1
    runner = build_runner(cfg, work_dir=str(tmp_path / 'w'))
    runner.train()
    ckpt = torch.load(tmp_path / 'w' / 'epoch_1.pth', weights_only=True)  # no blanket weights_only=False
    assert ckpt['meta']['epoch'] == 1 and 'message_hub' in ckpt and 'optimizer' in ckpt


class _Evil:
    def __reduce__(self):
        return (exec, ("open('pwned', 'w').write('x')",))


def test_code_smuggling_checkpoint_is_refused(tmp_path, monkeypatch):
    from mmengine.runner.checkpoint import _load_checkpoint

    monkeypatch.chdir(tmp_path)
    path = tmp_path / 'evil.pth'
    with open(path, 'wb') as f:
        pickle.dump({'state_dict': {}, 'payload': _Evil()}, f)
    with pytest.raises(pickle.UnpicklingError):
        _load_checkpoint(str(path), map_location='cpu')
    assert not (tmp_path / 'pwned').exists()
