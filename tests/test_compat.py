"""mimbench.compat: the weights-only allow-list is exact, and the CPU launcher fixes are in place."""

import pickle

import pytest
import torch

import mimbench  # noqa: F401


def test_history_buffer_round_trips_weights_only(tmp_path):
    from mmengine.logging import HistoryBuffer, MessageHub

    hub = MessageHub.get_instance('compat_test')
    hub.update_scalar('train/loss', 1.5)
    hub.update_scalar('train/loss', 0.5)
    torch.save({'message_hub': hub.state_dict(), 'np': __import__('numpy').float32(3.0)}, tmp_path / 'c.pth')
    loaded = torch.load(tmp_path / 'c.pth', weights_only=True)
    buf = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buf, HistoryBuffer) and buf.mean() == 1.0 and buf.min() == 0.5


def test_getattr_stand_in_refuses_anything_but_statistics_methods(tmp_path):
    import numpy as np

    class Sneaky:
        def __reduce__(self):  # getattr(np.ndarray, 'tofile'): resolvable global, not a statistics method
            return (getattr, (np.ndarray, 'tofile'))

    torch.save({'x': Sneaky()}, tmp_path / 's.pth')
    with pytest.raises(pickle.UnpicklingError):
        torch.load(tmp_path / 's.pth', weights_only=True)


def test_cpu_launcher_patches_are_installed():
    from mmengine.dist import utils as dist_utils
    from mmengine.model.wrappers import MMDistributedDataParallel

    assert hasattr(dist_utils._init_dist_pytorch, '__wrapped__')
    assert hasattr(MMDistributedDataParallel.__init__, '__wrapped__')


def test_mmpretrain_imports_with_a_broken_transformers_installed(tmp_path):
    """A transformers that is installed but fails to import must not break `import mimbench`."""
    import subprocess
    import sys

    site = tmp_path / 'site'
    (site / 'transformers').mkdir(parents=True)
    (site / 'transformers' / '__init__.py').write_text("raise ImportError('incompatible transformers')\n")
    dist = site / 'transformers-5.0.0.dist-info'
    dist.mkdir()
    (dist / 'METADATA').write_text('Metadata-Version: 2.1\nName: transformers\nVersion: 5.0.0\n')
    code = (
        'import mimbench, mmpretrain.utils.dependency as d; '
        'from mmpretrain.registry import MODELS; '
        'assert not d.WITH_MULTIMODAL; assert MODELS.get("MAE") is not None; print("ok")'
    )
    env = {'PYTHONPATH': str(site), 'PATH': '/usr/bin:/bin', 'OMP_NUM_THREADS': '1'}
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0 and 'ok' in proc.stdout, proc.stderr[-2000:]
    # and without mimbench's fix the same environment breaks mmpretrain, so the test exercises the fix
    proc = subprocess.run(
        [sys.executable, '-c', 'import mmpretrain.models'],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode != 0 and 'incompatible transformers' in proc.stderr
