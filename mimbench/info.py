"""``mimbench info``: what this installation can do: stack versions, mmcv ops, devices, registered modules."""

from __future__ import annotations

import argparse
import importlib


def stack_versions() -> dict[str, str]:
    """Installed version of each package of the stack, or 'missing'."""
    versions = {}
    for name in (
        'torch',
        'torchvision',
        'mmengine',
        'mmcv',
        'mmdet',
        'mmseg',
        'mmpretrain',
        'timm',
        'numpy',
        'pandas',
        'pycocotools',
        'faster_coco_eval',
    ):
        try:
            versions[name] = getattr(importlib.import_module(name), '__version__', 'installed')
        except Exception:  # noqa: BLE001 - report, do not fail
            versions[name] = 'missing'
    return versions


def mmcv_ops_status() -> str:
    """'compiled (...)' when mmcv's C++/CUDA extension loads and runs, else why not."""
    try:
        import torch
        from mmcv.ops import nms

        boxes = torch.tensor([[0.0, 0.0, 10.0, 10.0], [1.0, 1.0, 10.0, 10.0]])
        keep = nms(boxes, torch.tensor([0.9, 0.8]), 0.5)[1]
        assert keep.tolist() == [0]
    except Exception as err:  # noqa: BLE001
        return f'NOT available ({type(err).__name__}: {err}); rebuild with tools/build_mmcv.sh'
    import mmcv

    return f'compiled (mmcv {mmcv.__version__}, nms runs)'


def devices() -> dict[str, object]:
    import torch

    info: dict[str, object] = {
        'cuda_available': torch.cuda.is_available(),
        'cuda_version': torch.version.cuda,
    }
    if torch.cuda.is_available():
        info['gpus'] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        info['bf16'] = torch.cuda.is_bf16_supported()
    return info


def registered_modules() -> dict[str, list[str]]:
    """Everything mimbench registers in its scope, by registry."""
    import mimbench  # noqa: F401  (registers)
    from mimbench import registry

    out = {}
    for name in ('MODELS', 'DATASETS', 'TRANSFORMS', 'METRICS', 'HOOKS', 'OPTIM_WRAPPER_CONSTRUCTORS'):
        out[name.lower()] = sorted(getattr(registry, name).module_dict)
    return out


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title='mimbench stack', show_header=True)
    table.add_column('package')
    table.add_column('version')
    for name, version in stack_versions().items():
        table.add_row(name, str(version))
    console.print(table)
    console.print(f'mmcv ops: {mmcv_ops_status()}')
    console.print(f'devices: {devices()}')
    for reg, names in registered_modules().items():
        console.print(f'{reg}: {", ".join(names) if names else "-"}')
    try:
        from mimbench.transfer import tasks

        console.print(f'tasks: {", ".join(tasks.TASKS)}')
    except ImportError:
        pass
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser('info', help='versions, mmcv ops, devices and registered modules')
    parser.set_defaults(func=run)
