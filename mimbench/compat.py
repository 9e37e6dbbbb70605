"""Compatibility of the pinned OpenMMLab stack (mmengine 0.10.7, mmcv 2.1.0) with today's torch.

Every fix mimbench applies to other packages lives here, is applied once by ``import mimbench``
(:func:`apply`), and is covered by tests/test_compat.py / tests/test_resume.py (6: tests/test_coco_metric.py).
Installed packages are never edited.

1. Resuming (torch >= 2.6). ``torch.load`` now defaults to ``weights_only=True`` and mmengine 0.10.7 calls it
   without the argument, so resuming fails with ``UnpicklingError``: mmengine's checkpoints carry
   non-tensor objects (the MessageHub's ``HistoryBuffer`` with numpy arrays, numpy scalars, and its table of
   statistics methods, which pickle stores as ``getattr(HistoryBuffer, 'min')``). We allow-list exactly
   those classes with ``torch.serialization.add_safe_globals`` instead of passing ``weights_only=False``:
   a benchmark suite loads checkpoints from strangers, and an allow-listed unpickler still refuses
   anything that could run code. ``getattr`` is not allow-listed as such: a stand-in registered under its
   name resolves only ``HistoryBuffer``'s own statistics methods and refuses everything else.
2. Distributed runs without CUDA. mmengine's ``pytorch`` launcher calls ``torch.cuda.set_device`` and its
   DDP wrapper passes ``device_ids=[LOCAL_RANK]`` unconditionally; both break a CPU (gloo) run under
   torchrun. Without CUDA we skip ``set_device`` and pass ``device_ids=None``, as torch requires for CPU
   modules.
3. mmpretrain 1.2.0 imports its multimodal models (BLIP, Flamingo, ...) whenever ``transformers`` is
   installed, and that code breaks with current transformers releases, so ``import mmpretrain`` fails in
   many research environments. mimbench uses none of it: while mmpretrain is first imported, its
   dependency probe is told that transformers is absent, which selects mmpretrain's own placeholder path.
4. Images that fail to decode during training. mmcv's ``LoadImageFromFile`` (used by mmpretrain, mmdet and
   mmseg) names the file only when the decoder returns None; an empty or corrupt file that makes the decoder
   raise surfaces as a bare cv2/PIL error from a dataloader worker. The transform is wrapped so that any
   failure raises :class:`ImageDecodeError` naming the file.
5. Activation checkpointing. mmpretrain's backbones (``with_cp`` of Swin/ResNet, ``use_checkpoint`` of MixMIM)
   and mmengine's ``activation_checkpointing`` config key call ``torch.utils.checkpoint.checkpoint`` without
   ``use_reentrant``, which today means the reentrant variant plus a warning on every call (torch announces an
   error instead). The reentrant variant also silently leaves a block without gradients when none of its
   inputs needs one, as behind frozen blocks in partial fine-tuning. Their module-level references to
   ``checkpoint`` are pointed at the non-reentrant variant (same gradients; mimbench's own adapters pass
   ``use_reentrant=False`` themselves).
6. A detector that detects nothing. mmdet's ``CocoMetric`` hands its (empty) result list to pycocotools'
   ``COCO.loadRes``, which reads ``anns[0]`` and raises ``IndexError``; mmdet logs "The testing results of the
   whole dataset is empty" and returns no metric at all, so no record is written and the run is lost (a
   short random-init Mask R-CNN run can end there). An empty result list now gives an empty result set over
   the same images and categories, which the COCO evaluator scores as it scores any image without
   detections: AP 0 where there is ground truth, with per-image outcomes as usual.
"""

from __future__ import annotations


import sys

import numpy as np
import torch

_APPLIED = False


def mmengine_checkpoint_globals() -> list:
    """The exact non-tensor types an mmengine 0.10.7 checkpoint holds, for weights-only loading."""
    from mmengine.logging.history_buffer import HistoryBuffer
    from numpy._core.multiarray import _reconstruct, scalar

    dtype_classes = [
        type(np.dtype(t))
        for t in (
            np.bool_,
            np.int8,
            np.int16,
            np.int32,
            np.int64,
            np.uint8,
            np.uint16,
            np.uint32,
            np.uint64,
            np.float16,
            np.float32,
            np.float64,
        )
    ]
    return [HistoryBuffer, _reconstruct, scalar, np.ndarray, np.dtype, *dtype_classes]


def _history_buffer_getattr(obj, name):
    """``getattr`` as mmengine checkpoints use it, and nothing more: HistoryBuffer's statistics methods."""
    import pickle

    from mmengine.logging.history_buffer import HistoryBuffer

    method = HistoryBuffer.__dict__.get(name) if obj is HistoryBuffer else None
    if method is None or not callable(method) or name.startswith('_'):
        raise pickle.UnpicklingError(
            f'refusing getattr({getattr(obj, "__name__", type(obj).__name__)}, {name!r}) while loading a '
            'checkpoint: only HistoryBuffer statistics methods may be resolved this way'
        )
    return method


def _allow_mmengine_checkpoints() -> None:
    torch.serialization.add_safe_globals(
        [*mmengine_checkpoint_globals(), (_history_buffer_getattr, 'builtins.getattr')]
    )


def _cpu_safe_pytorch_launcher() -> None:
    import torch.distributed as torch_dist
    from mmengine.dist import utils as dist_utils

    original = dist_utils._init_dist_pytorch

    def _init_dist_pytorch(backend, init_backend='torch', **kwargs):
        if torch.cuda.is_available() or init_backend != 'torch':
            return original(backend, init_backend=init_backend, **kwargs)
        # CPU: no device to select, and NCCL cannot work; gloo is torch's CPU backend.
        torch_dist.init_process_group(backend='gloo' if backend == 'nccl' else backend, **kwargs)

    _init_dist_pytorch.__wrapped__ = original
    dist_utils._init_dist_pytorch = _init_dist_pytorch

    from mmengine.model.wrappers import MMDistributedDataParallel

    original_init = MMDistributedDataParallel.__init__

    def __init__(self, module, detect_anomalous_params=False, **kwargs):
        first = next(module.parameters(), None)
        if first is not None and first.device.type == 'cpu':
            kwargs['device_ids'] = None
        original_init(self, module, detect_anomalous_params=detect_anomalous_params, **kwargs)

    __init__.__wrapped__ = original_init
    MMDistributedDataParallel.__init__ = __init__


def _mmpretrain_without_multimodal() -> None:
    if 'mmpretrain' in sys.modules:
        return  # already imported by the user before mimbench: nothing left to choose
    import importlib_metadata

    original = importlib_metadata.distribution

    def distribution(name):
        if name == 'transformers':
            raise importlib_metadata.PackageNotFoundError(name)
        return original(name)

    importlib_metadata.distribution = distribution
    try:
        import mmpretrain  # noqa: F401  (binds the probe above for its multimodal switch)
    finally:
        importlib_metadata.distribution = original


class ImageDecodeError(RuntimeError):
    """An image of a dataset could not be read or decoded; the message names the file."""


def _name_undecodable_images() -> None:
    from mmcv.transforms import LoadImageFromFile

    original = LoadImageFromFile.transform

    def transform(self, results):
        try:
            return original(self, results)
        except ImageDecodeError:
            raise
        except Exception as err:  # noqa: BLE001 - cv2/PIL/turbojpeg raise their own types
            path = results.get('img_path', '<unknown file>')
            raise ImageDecodeError(
                f'could not read or decode image {path}: {type(err).__name__}: {err}. Check the file '
                '(`mimbench data check --task TASK --root ROOT --full` lists every bad image)') from err

    transform.__wrapped__ = original
    LoadImageFromFile.transform = transform


def _empty_detection_results() -> None:
    from pycocotools.coco import COCO

    original = COCO.loadRes

    def loadRes(self, resFile):  # noqa: N802 - pycocotools' name
        if isinstance(resFile, list) and not resFile:   # no detection anywhere: an empty result set
            res = COCO()
            res.dataset = dict(info=dict(self.dataset.get('info', {})), images=list(self.dataset['images']),
                               categories=[dict(c) for c in self.dataset.get('categories', [])],
                               annotations=[])
            res.createIndex()
            return res
        return original(self, resFile)

    loadRes.__wrapped__ = original
    COCO.loadRes = loadRes


def _non_reentrant_checkpointing() -> None:
    import functools
    import types

    import mmpretrain.models  # noqa: F401  (its backbone modules, whose references are replaced below)
    import torch.utils.checkpoint as torch_checkpoint
    from mmengine.runner import activation_checkpointing

    non_reentrant = functools.partial(torch_checkpoint.checkpoint, use_reentrant=False)

    class NonReentrantModule(types.ModuleType):
        """``torch.utils.checkpoint`` whose ``checkpoint`` defaults to ``use_reentrant=False``."""
        checkpoint = staticmethod(non_reentrant)

        def __getattr__(self, name):
            return getattr(torch_checkpoint, name)

    shim = NonReentrantModule('torch.utils.checkpoint')
    activation_checkpointing.checkpoint = non_reentrant
    owners = ('mmpretrain.models.backbones.', 'mmpretrain.models.utils.')
    for name, module in list(sys.modules.items()):
        if not name.startswith(owners) or module is None:
            continue
        for attr, value in list(vars(module).items()):
            if value is torch_checkpoint:
                setattr(module, attr, shim)
            elif value is torch_checkpoint.checkpoint:
                setattr(module, attr, non_reentrant)


def apply() -> None:
    """Apply every fix once (idempotent)."""
    global _APPLIED
    if _APPLIED:
        return
    _mmpretrain_without_multimodal()
    _allow_mmengine_checkpoints()
    _cpu_safe_pytorch_launcher()
    _name_undecodable_images()
    _empty_detection_results()
    _non_reentrant_checkpointing()
    _APPLIED = True
