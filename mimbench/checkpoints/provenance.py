"""What a mimbench pre-training checkpoint says about itself, as plain data.

``mimbench evaluate --checkpoint`` labels its records with the pre-training method, backbone, epochs and
recipe variant of the encoder it loads. mimbench never learns these by running text from the file (see
:mod:`mimbench.config_data`); instead every pre-training run writes them as a plain dict of strings and numbers
under ``checkpoint['meta']['mimbench']`` (:class:`PretrainProvenanceHook`, in the pre-training runtime
``configs/_base_/pretrain/default_runtime.py``)::

    {'schema': 1, 'method': 'mae', 'backbone': 'vit-b', 'epochs': 1600, 'epoch': 1600,
     'iter': 500400, 'variant': None, 'recipe': 'mae.txt Table 8', 'config': 'mae_vit-base-...py'}

``epochs`` is the recipe's planned length, ``epoch``/``iter`` how far this checkpoint got. Checkpoints written
before this hook existed are read through their stored config text, parsed as literal data only.
"""
from __future__ import annotations

import os
from typing import Any

from mmengine.hooks import Hook

from mimbench.registry import HOOKS

KEY = 'mimbench'
SCHEMA = 1
METHODS_BY_MODEL = {'mae': 'mae', 'simmim': 'simmim', 'mixmim': 'mixmim'}  # model type (lower) -> method id
_FIELDS = ('method', 'backbone', 'epochs', 'epoch', 'iter', 'variant', 'recipe', 'config')


def method_from_model_cfg(model: Any) -> str | None:
    """The method id of a pre-training ``model`` config dict (``type='mimbench.MAE'`` -> ``'mae'``).

    CiM's id carries its objective (``cim-respix`` / ``cim-revdet``, cim.txt Sec. 2.2). None for anything else
    (e.g. the VQ tokenizer, or a fine-tuning model).
    """
    if not isinstance(model, dict):
        return None
    name = str(model.get('type', '')).split('.')[-1].lower()
    if name == 'cim':
        objective = model.get('objective', 'respix')
        return f'cim-{objective}' if objective in ('respix', 'revdet') else None
    return METHODS_BY_MODEL.get(name)


def _plain(value: Any) -> Any:
    """Keep only JSON-like scalars (what weights-only loading accepts and a reader can trust as data)."""
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


def read_provenance(checkpoint: dict[str, Any]) -> dict[str, Any] | None:
    """The ``meta['mimbench']`` dict of a loaded checkpoint, with only known plain-data fields, else None."""
    meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
    data = meta.get(KEY) if isinstance(meta, dict) else None
    if not isinstance(data, dict):
        return None
    return {k: _plain(data.get(k)) for k in _FIELDS if k in data}


@HOOKS.register_module()
class PretrainProvenanceHook(Hook):
    """Write the method, backbone, epochs and recipe variant into every checkpoint as plain data.

    Reads them from the resolved config (``model.type``, ``train_cfg.max_epochs``, the optional top-level
    ``mimbench = dict(variant=..., recipe=...)``) and the backbone id from the saved encoder tensors, so the
    record of any downstream evaluation of this checkpoint can be labelled without running stored config text.
    """

    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        cfg = runner.cfg
        extra = cfg.get('mimbench', None) or {}
        train_cfg = cfg.get('train_cfg', None) or {}
        meta = checkpoint.get('meta') or {}  # mmengine has put the epoch/iter this checkpoint resumes at
        data = dict(
            schema=SCHEMA,
            method=method_from_model_cfg(cfg.get('model', None)),
            backbone=_backbone_id(checkpoint),
            epochs=train_cfg.get('max_epochs'),
            epoch=meta.get('epoch', runner.epoch),
            iter=meta.get('iter', runner.iter),
            variant=extra.get('variant'),
            recipe=extra.get('recipe'),
            config=os.path.basename(cfg.filename) if cfg.filename else None,
        )
        checkpoint.setdefault('meta', {})[KEY] = {k: _plain(v) for k, v in data.items()}


def _backbone_id(checkpoint: dict) -> str | None:
    from mimbench.checkpoints.identify import backbone_id_of

    try:
        return backbone_id_of(checkpoint, 'mimbench')
    except (ValueError, KeyError, TypeError):
        return None  # e.g. the VQ tokenizer, which has no encoder of a known size
