"""Resuming when the last checkpoint was cut short (issue 10): the file is named, the run resumes from the
newest checkpoint that reads, and when none reads it starts over and says so; never a re-run that fails
forever."""
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook

import mimbench  # noqa: F401
from mimbench.checkpoints.resume import resume_checkpoint
from mimbench.runner import build_runner


def _truncate(path, keep=0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def _mmengine_file(path, epoch):
    torch.save({'meta': {'epoch': epoch}, 'state_dict': {'w': torch.zeros(2)}}, path)


def test_truncated_last_checkpoint_falls_back_to_the_previous_good_one(tmp_path):
    for epoch in (1, 2, 3):
        _mmengine_file(tmp_path / f'epoch_{epoch}.pth', epoch)
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_3.pth'))
    assert resume_checkpoint(tmp_path) == (True, str(tmp_path / 'epoch_3.pth'), [])
    _truncate(tmp_path / 'epoch_3.pth')
    (tmp_path / 'epoch_2.pth').write_bytes(b'')
    resume, load_from, messages = resume_checkpoint(tmp_path)
    assert (resume, load_from) == (True, str(tmp_path / 'epoch_1.pth'))
    assert 'cannot resume from epoch_3.pth' in messages[0] and 'is truncated' in messages[0]
    assert 'cannot resume from epoch_2.pth' in messages[1] and 'is empty (0 bytes)' in messages[1]
    assert messages[-1].startswith(f'resuming from {tmp_path / "epoch_1.pth"}')


def test_nothing_readable_starts_over_and_nothing_at_all_is_a_fresh_run(tmp_path):
    assert resume_checkpoint(tmp_path) == (True, None, [])  # mmengine starts the run
    (tmp_path / 'iter_100.pth').write_bytes(b'\x00' * 64)
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_200.pth'))  # points at a missing file
    resume, load_from, messages = resume_checkpoint(tmp_path)
    assert (resume, load_from) == (False, None)
    assert 'iter_200.pth does not exist' in messages[0] and 'iter_100.pth' in messages[1]
    assert 'starting the run over from the beginning' in messages[-1]


class Interrupted(RuntimeError):
    pass


class StopAfterEpoch(Hook):
    def __init__(self, n):
        self.n = n

    def after_train_epoch(self, runner):
        if runner.epoch + 1 == self.n:
            raise Interrupted(f'stopped after epoch {self.n}')


def _cfg(data_root):
    return Config(dict(
        default_scope='mmpretrain',
        model=dict(type='mmpretrain.ImageClassifier',
                   data_preprocessor=dict(type='mmpretrain.ClsDataPreprocessor', num_classes=2,
                                          mean=[127.5] * 3, std=[127.5] * 3),
                   backbone=dict(type='mmpretrain.ResNet', depth=18),
                   neck=dict(type='mmpretrain.GlobalAveragePooling'),
                   head=dict(type='mmpretrain.LinearClsHead', num_classes=2, in_channels=512,
                             loss=dict(type='mmpretrain.CrossEntropyLoss'))),
        train_dataloader=dict(batch_size=4, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
                              dataset=dict(type='mmpretrain.CustomDataset', data_root=str(data_root),
                                           pipeline=[dict(type='mmpretrain.LoadImageFromFile'),
                                                     dict(type='mmpretrain.PackInputs')])),
        train_cfg=dict(by_epoch=True, max_epochs=3),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1),
                           logger=dict(type='LoggerHook', interval=1)),
        randomness=dict(seed=0), log_level='WARNING'))


@pytest.fixture
def images(tmp_path):
    from PIL import Image

    for c in range(2):
        (tmp_path / 'data' / f'class{c}').mkdir(parents=True)
        for i in range(4):
            pixels = np.full((32, 32, 3), 90 * c + i, np.uint8)
            Image.fromarray(pixels).save(tmp_path / 'data' / f'class{c}' / f'{i}.png')
    return tmp_path / 'data'


def test_run_resumes_from_the_checkpoint_before_a_truncated_last_one(tmp_path, images, monkeypatch):
    import mmengine.logging

    said = []
    log = mmengine.logging.print_log
    monkeypatch.setattr(mmengine.logging, 'print_log', lambda msg, *a, **k: said.append(str(msg))
                        if 'resum' in str(msg) or 'starting the run over' in str(msg) else log(msg, *a, **k))
    work = tmp_path / 'work'
    first = build_runner(_cfg(images), work_dir=str(work))
    first.register_hook(StopAfterEpoch(2), priority='LOWEST')
    with pytest.raises(Interrupted):
        first.train()
    assert (work / 'last_checkpoint').read_text().strip().endswith('epoch_2.pth')
    _truncate(work / 'epoch_2.pth')  # the run was killed (or the disk filled up) while saving epoch 2

    second = build_runner(_cfg(images), work_dir=str(work), resume=True)
    assert second._resume and second._load_from == str(work / 'epoch_1.pth')
    second.train()
    assert second.epoch == 3
    assert 'cannot resume from epoch_2.pth' in said[0] and 'is truncated' in said[0]
    assert said[1] == f'resuming from {work / "epoch_1.pth"}, the newest checkpoint in {work} that reads'
    assert torch.load(work / 'epoch_3.pth', weights_only=True)['meta']['epoch'] == 3

    for name in ('epoch_1.pth', 'epoch_2.pth', 'epoch_3.pth'):  # nothing reads: start over, saying so
        _truncate(work / name, keep=0.1)
    said.clear()
    third = build_runner(_cfg(images), work_dir=str(work), resume=True)
    assert not third._resume and 'starting the run over' in said[-1] and len(said) == 4
    third.train()
    assert third.epoch == 3 and torch.load(work / 'epoch_1.pth', weights_only=True)['meta']['epoch'] == 1
