"""What a checkpoint file is, read once: format, family, backbone id, method, pre-training epochs, tensors.

:func:`describe_checkpoint` is what ``mimbench inspect`` prints and what ``mimbench evaluate`` plans with
(backbone, method, variant and pre-training epochs for the records). It reads the file through
:func:`mimbench.checkpoints.formats.read_checkpoint`, whose cache lets the loader reuse the same read when the
evaluation starts in the same process. Nothing from the file is executed.
"""
from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class CheckpointFacts:
    """The facts of one checkpoint file (see module docstring). ``problems`` says what could not be told."""
    path: str
    size: int
    format: str | None = None
    family: str | None = None
    backbone: str | None = None
    method: str | None = None
    method_source: str = ''
    pretrain: dict[str, Any] = field(default_factory=dict)   # epochs, epoch, iter, variant, recipe
    tensors: int = 0
    tensor_bytes: int = 0
    encoder_tensors: int = 0
    pretraining_only: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)             # not encoder, not pre-training only
    layout: str | None = None                                  # 'beit': ViT with relative bias, no pos_embed
    containers: list[str] = field(default_factory=list)        # top-level keys of the file
    config: dict[str, Any] | None = None                       # a release's stored config, plain data
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def describe_checkpoint(path: str | os.PathLike) -> CheckpointFacts:
    """Read ``path`` (weights-only, cached) and tell what it holds.

    Raises:
        FileNotFoundError: no such file.
        mimbench.checkpoints.safe_load.CheckpointReadError: the file is corrupt or holds refused objects.
    """
    from mimbench.checkpoints.convert import convert_state_dict, infer_family
    from mimbench.checkpoints.formats import detect_format, read_checkpoint, stored_config, unwrap
    from mimbench.checkpoints.identify import backbone_id_from_encoder, method_of, pretraining_facts
    from mimbench.checkpoints.load import PRETRAINING_ONLY, RECOMPUTED

    path = os.fspath(path)
    raw = read_checkpoint(path)
    facts = CheckpointFacts(path=os.path.abspath(path), size=os.path.getsize(path),
                            containers=sorted(map(str, raw)), config=stored_config(raw))
    try:
        state = unwrap(raw)
    except ValueError as err:
        facts.problems.append(str(err))
        return facts
    facts.tensors = len(state)
    facts.tensor_bytes = sum(t.numel() * t.element_size() for t in state.values())
    try:
        facts.format = detect_format(raw)
    except ValueError as err:
        facts.problems.append(str(err))
        return facts
    facts.method, facts.method_source = method_of(raw, facts.format, source=path)
    facts.pretrain = pretraining_facts(raw, facts.method)
    encoder, other = convert_state_dict(state, facts.format)
    try:
        facts.family = infer_family(encoder, facts.format)
    except ValueError as err:
        facts.problems.append(str(err))
        return facts
    for key in encoder:
        if any(re.search(pattern, key) for pattern, _ in PRETRAINING_ONLY):
            facts.pretraining_only.append(key)
    facts.pretraining_only += [k for k in other if any(re.search(p, k) for p, _ in PRETRAINING_ONLY)
                               or k.startswith('decoder')]
    facts.other = sorted(k for k in other if k not in facts.pretraining_only)
    facts.pretraining_only.sort()
    facts.encoder_tensors = sum(1 for k in encoder if k not in facts.pretraining_only
                                and not re.search(RECOMPUTED, k))
    try:
        facts.backbone = backbone_id_from_encoder(encoder, facts.family)
    except (ValueError, KeyError) as err:
        facts.problems.append(f'backbone: {err}')
    if facts.family == 'vit' and 'pos_embed' not in encoder and any('relative_position_bias_table' in k
                                                                      for k in encoder):
        facts.layout = 'beit'
        facts.notes.append('ViT with relative position bias and no absolute position embedding (BEiT layout, '
                           "SimMIM's ViT): it loads into mmpretrain.BEiTViT (use_abs_pos_emb=False, "
                           'use_rel_pos_bias=True), a shared table copied into every block')
    return facts


def layout_problem(facts: CheckpointFacts, config_path: str) -> str | None:
    """Why the transfer recipe ``config_path`` cannot take this checkpoint's ViT layout, else None.

    A ViT in BEiT's layout (SimMIM's ViT-B: relative position bias per block, no absolute position
    embedding) loads only into ``mmpretrain.BEiTViT``; a ViT with an absolute position embedding does not
    load into a BEiTViT built without one. Other families and layouts: None (the loader checks every key).
    """
    if facts.family != 'vit':
        return None
    from mmengine.config import Config

    backbone = Config.fromfile(str(config_path)).get('model', {}).get('backbone', None) or {}
    beit = _find_type(backbone, 'BEiTViT')
    if facts.layout == 'beit' and beit is None:
        return ("a ViT in BEiT's layout (no absolute position embedding) loads only into mmpretrain.BEiTViT; "
                f'this recipe builds {(_find_type(backbone, "") or backbone).get("type")}')
    if facts.layout is None and beit is not None and not beit.get('use_abs_pos_emb', False):
        return ('a ViT with an absolute position embedding does not load into the BEiTViT without one that '
                "this recipe builds (SimMIM's ViT-B layout)")
    return None


def fitting_recipe(facts: CheckpointFacts, task: str, backbone: str, scale: str,
                   method: str | None, protocol: str = 'finetune') -> tuple[str, str | None]:
    """``(config path, problem)``: the method's own recipe for ``task``, or the backbone's default one when
    only that one builds an encoder this checkpoint fits (a SimMIM ViT-B in ViT's layout, as mimbench wrote
    before it built the release's encoder, while SimMIM's release recipe builds BEiT's); ``problem`` says why
    neither fits, else None.

    Raises:
        ValueError: no recipe for that task/backbone/scale (``mimbench.transfer.tasks.task_config``).
    """
    from mimbench.transfer import tasks

    own = tasks.task_config(task, backbone, scale, protocol, method=method)
    problem = layout_problem(facts, own)
    if problem is None:
        return own, None
    default = tasks.task_config(task, backbone, scale, protocol)
    if default != own and layout_problem(facts, default) is None:
        return default, None
    return own, problem


def _find_type(cfg: Any, name: str) -> dict | None:
    """The first dict in ``cfg`` (nested) whose ``type`` ends with ``name`` (any ViT type when empty)."""
    if isinstance(cfg, dict):
        kind = str(cfg.get('type', ''))
        if kind.endswith(name) and (name or 'ViT' in kind or 'VisionTransformer' in kind):
            return dict(cfg)
        for value in cfg.values():
            found = _find_type(value, name)
            if found is not None:
                return found
    return None
