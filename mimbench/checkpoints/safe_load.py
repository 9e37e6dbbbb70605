"""Reading a checkpoint file weights-only: official releases' config objects as data, code refused, corrupt
files called corrupt.

A benchmark loads checkpoints from strangers, and a pickle can name any function for the unpickler to call.
mimbench therefore reads every file through torch's weights-only unpickler, which builds only tensors and
plain containers, plus an allow-list of the few non-tensor objects that the official releases pickle next to
their weights. Those are bound to inert stand-ins, so the releases' own packages are never imported and no
code from the file runs:

- ``argparse.Namespace``: the training arguments MAE (``util/misc.py save_model``: ``{'model', 'optimizer',
  'epoch', 'scaler', 'args'}``), MixMIM (same container) and timm's ``train.py`` store as ``args``. It only
  holds attributes.
- ``yacs.config.CfgNode``: the training config SimMIM and Swin Transformer store as ``config``
  (``utils.py save_checkpoint``: ``{'model', 'optimizer', 'lr_scheduler', 'max_accuracy', 'epoch',
  'config'}``, plus ``'amp'`` / ``'scaler'``). A CfgNode is a dict subclass; its stand-in builds a plain
  ``OrderedDict`` that receives the items, and its private flags (``__immutable__``, ...) land as attributes.
- ``pathlib.PosixPath`` / ``WindowsPath`` (argument values of path type) become strings.
- numpy < 2 spells its array and scalar rebuilders ``numpy.core.multiarray.*`` (mmengine checkpoints written
  before numpy 2 hold them in the MessageHub); they are aliases of the numpy 2 functions that
  :mod:`mimbench.compat` allow-lists.

Anything else a pickle would build or call is refused by torch; :class:`UnsafeCheckpointError` names it.
A file that cannot be read at all (empty, a truncated zip archive, random bytes, damaged records) raises
:class:`CorruptCheckpointError` with its size and what a checkpoint file looks like: a corrupt file is never
answered with advice to turn off weights-only loading. ``.safetensors`` files (timm's releases) hold no
pickle at all and are read with ``safetensors``.

:func:`plain` turns what was read (Namespace, CfgNode stand-ins, tuples, numpy scalars) into plain data for
reports: a load report keeps a release's config as a plain dict.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import pickle
import re
import struct
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np
import torch

_ANSI = re.compile(r'\x1b\[[0-9;?]*[ -/]*[@-~]')
_LEGACY_MAGIC = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)  # first pickle of a pre-1.6 torch.save


class CheckpointReadError(ValueError):
    """A checkpoint file could not be read; the message says what was found and what to do."""


class CorruptCheckpointError(CheckpointReadError):
    """The file is not a readable checkpoint (empty, truncated, not a checkpoint format, damaged)."""


class UnsafeCheckpointError(CheckpointReadError):
    """The file's pickle names objects that weights-only loading will not build or call."""


class ConfigNode:
    """Stand-in for ``yacs.config.CfgNode``: unpickles as a plain ``OrderedDict`` of the config's items.

    torch's weights-only unpickler stores dict items only into real dicts, so ``__new__`` returns one;
    nothing of yacs is imported or run.
    """

    def __new__(cls, *args, **kwargs):
        return OrderedDict()


def _path_string(*parts: str) -> str:
    """Stand-in for ``pathlib.PosixPath`` / ``WindowsPath`` (pickled as ``Path(*parts)``): the path text."""
    if not all(isinstance(p, str) for p in parts):
        raise pickle.UnpicklingError(f'a pickled path has non-text parts {parts!r}')
    return str(pathlib.PurePath(*parts))


def release_globals() -> list:
    """The allow-list of :func:`load_file`: (stand-in, pickled name) pairs and inert classes."""
    from numpy._core.multiarray import _reconstruct, scalar

    return [argparse.Namespace, (ConfigNode, 'yacs.config.CfgNode'),
            (_path_string, 'pathlib.PosixPath'), (_path_string, 'pathlib.WindowsPath'),
            (_reconstruct, 'numpy.core.multiarray._reconstruct'), (scalar, 'numpy.core.multiarray.scalar')]


def strip_ansi(text: str) -> str:
    """``text`` without terminal escape codes (torch decorates its weights-only errors with them)."""
    return _ANSI.sub('', text)


def file_kind(path: str) -> str:
    """The kind of file from its bytes: ``'empty' | 'zip' | 'truncated-zip' | 'legacy' | 'pickle' |
    'safetensors' | 'unknown'``."""
    size = os.path.getsize(path)
    if size == 0:
        return 'empty'
    with open(path, 'rb') as f:
        head = f.read(16)
    if head.startswith(b'PK\x03\x04'):
        return 'zip' if zipfile.is_zipfile(path) else 'truncated-zip'
    if head.startswith(_LEGACY_MAGIC[:12]):
        return 'legacy'
    if head[:1] == b'\x80' and head[1:2] in (b'\x02', b'\x03', b'\x04', b'\x05'):
        return 'pickle'  # a plain pickle.dump, not torch.save
    if len(head) >= 9 and head[8:9] == b'{' and 8 + struct.unpack('<Q', head[:8])[0] <= size:
        return 'safetensors'
    return 'unknown'


def _first_line(err: BaseException) -> str:
    lines = [line.strip() for line in strip_ansi(str(err)).splitlines() if line.strip()]
    return lines[0] if lines else '(no message)'


def _corrupt(path: str, size: int, kind: str, err: BaseException | None = None) -> CorruptCheckpointError:
    where = f'checkpoint {path}'
    redo = ('Copy or download it again (mimbench never downloads weights); if a run wrote it, the run was '
            'probably stopped while saving: use an earlier checkpoint of that run.')
    if kind == 'empty':
        return CorruptCheckpointError(
            f'{where} is empty (0 bytes); expected a torch.save file (a zip archive) or a .safetensors file. '
            + redo)
    if kind == 'truncated-zip':
        return CorruptCheckpointError(
            f'{where} is truncated: {size:,} bytes of a zip archive (the torch.save format) that stop before '
            "the archive's directory; expected a complete archive, which ends with it. " + redo)
    if kind == 'pickle':
        return CorruptCheckpointError(
            f'{where} is a plain Python pickle ({size:,} bytes), not a torch.save file; expected a '
            'torch.save zip archive or a .safetensors file. mimbench does not read plain pickles: loading '
            'one can run any code it names. If it holds weights from a source you trust, re-save them '
            'where the file was made: torch.save(state_dict, path).')
    if kind == 'unknown':
        with open(path, 'rb') as f:
            head = f.read(8)
        hint = (' (it starts like text, e.g. an HTML error page saved in place of a download)'
                if head[:1] in (b'<', b'{', b'#') else '')
        return CorruptCheckpointError(
            f'{where} is not a checkpoint file: {size:,} bytes starting with {head.hex(" ")}{hint}; expected '
            "a torch.save zip archive (starting with 'PK'), a legacy torch.save file or a .safetensors file. "
            'It is corrupt or another kind of file. ' + redo)
    detail = f' ({type(err).__name__}: {_first_line(err)})' if err is not None else ''
    names = {'zip': 'torch.save zip archive', 'legacy': 'legacy torch.save file',
             'safetensors': '.safetensors file'}
    return CorruptCheckpointError(
        f'{where} is corrupt: {size:,} bytes, a {names.get(kind, kind)} whose contents cannot be '
        f'read{detail}; expected a complete, undamaged file. ' + redo)


def _refused_names(path: str, err: BaseException) -> list[str]:
    names = re.findall(r'GLOBAL ([\w.]+)', strip_ansi(str(err)))
    try:
        names += torch.serialization.get_unsafe_globals_in_checkpoint(path)
    except Exception:  # noqa: BLE001 - legacy or unreadable files: the error text is all we have
        pass
    function = re.search(r'unrecognized function (.+?)(?: which|$)', strip_ansi(str(err)), re.M)
    if function:
        names.append(function.group(1).strip())
    return sorted(set(names))


_REFUSALS = ('Unsupported global', 'unrecognized function', 'Can only create new object',
             'Can only build', 'Can only SETITEM', 'Can only append', 'is blocked', 'Unsupported class')


def _unsafe(path: str, err: BaseException) -> UnsafeCheckpointError:
    names = _refused_names(path, err)
    what = ', '.join(names) if names else _first_line(err)
    lines = [line.strip() for line in strip_ansi(str(err)).splitlines()]
    reason = next((line for line in lines if 'GLOBAL' in line or any(r in line for r in _REFUSALS)),
                  _first_line(err))
    reason = re.sub(r'^.*?WeightsUnpickler error: ', '', reason).split(' Please use')[0].rstrip('.')
    return UnsafeCheckpointError(
        f'checkpoint {path} holds pickled objects that mimbench does not load: {what} (torch: {reason}). '
        'mimbench reads checkpoints weights-only: tensors, plain containers and, as data, the config objects '
        'official releases store (argparse.Namespace, yacs CfgNode); building anything else would run '
        'code named by the file, and it did not run. If the file is yours or from a source you trust, save '
        "just its weights where its classes exist: torch.save(torch.load(p, weights_only=False)['model'], "
        'q), and pass q. If it is an official release of MAE/SimMIM/MixMIM/timm/mmpretrain, report it to '
        'mimbench.')


def _is_refusal(err: BaseException) -> bool:
    text = strip_ansi(str(err))
    return isinstance(err, pickle.UnpicklingError) and any(r in text for r in _REFUSALS)


def load_file(path: str | os.PathLike, weights_only: bool = True, mmap: bool = True) -> Any:
    """Read a checkpoint file on the CPU (module docstring).

    Args:
        path: an existing file.
        weights_only: ``False`` unpickles anything (runs the file's code; only for files you trust).
        mmap: map a zip archive's tensors instead of reading them: tensors are paged in when used, so
            reading a ViT-H file to plan an evaluation costs milliseconds.

    Raises:
        CorruptCheckpointError: the file is empty, truncated, not a checkpoint or damaged.
        UnsafeCheckpointError: the pickle names objects outside the allow-list.
    """
    path = os.fspath(path)
    size = os.path.getsize(path)
    kind = file_kind(path)
    if kind in ('empty', 'truncated-zip', 'pickle', 'unknown'):
        raise _corrupt(path, size, kind)
    if kind == 'safetensors':
        from safetensors.torch import load_file as load_safetensors
        try:
            return load_safetensors(path, device='cpu')
        except Exception as err:  # noqa: BLE001 - safetensors raises its own error types
            raise _corrupt(path, size, kind, err) from err
    try:
        if not weights_only:
            return torch.load(path, map_location='cpu', weights_only=False)
        with torch.serialization.safe_globals(release_globals()):
            try:
                return torch.load(path, map_location='cpu', weights_only=True, mmap=mmap and kind == 'zip')
            except Exception as err:  # noqa: BLE001 - torch raises UnpicklingError / RuntimeError / EOFError
                if _is_refusal(err):
                    raise _unsafe(path, err) from err
                if not (mmap and kind == 'zip'):
                    raise
            # a file system without mmap, or an archive layout mmap does not take: read it plainly
            return torch.load(path, map_location='cpu', weights_only=True)
    except CheckpointReadError:
        raise
    except Exception as err:  # noqa: BLE001 - anything else while reading a well-formed container: damaged
        raise _corrupt(path, size, kind, err) from err


def plain(value: Any, depth: int = 0) -> Any:
    """``value`` as plain data for reports: dicts (CfgNode stand-ins, Namespace, OrderedDict) become dicts,
    tuples/sets lists, numpy scalars numbers, tensors a short ``'tensor [shape] dtype'`` text."""
    if depth > 20:
        return '...'
    if isinstance(value, argparse.Namespace):
        value = vars(value)
    if isinstance(value, dict):
        return {str(k): plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((plain(v, depth + 1) for v in value), key=repr)
    if isinstance(value, torch.Tensor):
        return f'tensor {list(value.shape)} {str(value.dtype).replace("torch.", "")}'
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return f'array {list(value.shape)} {value.dtype}'
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
