"""Which backbone and which pre-training method a checkpoint holds, read off its tensors and stored config.

``mimbench evaluate --checkpoint PATH`` uses these so that a user need not say what they already saved.
"""

from __future__ import annotations

# (family, width[, depth]) -> backbone id; width = patch-embedding channels (mmpretrain layouts)
_VIT_IDS = {
    (96, 4): 'vit-smoke',
    (384, 12): 'vit-s',
    (768, 12): 'vit-b',
    (1024, 24): 'vit-l',
    (1280, 32): 'vit-h',
}
_HIERARCHICAL_IDS = {
    ('swin', 32): 'swin-smoke',
    ('swin', 128): 'swin-b',
    ('swin', 192): 'swin-l',
    ('mixmim', 32): 'mixmim-smoke',
    ('mixmim', 128): 'mixmim-b',
    ('mixmim', 192): 'mixmim-l',
}
_RESNET_IDS = {(False, (2, 2, 2, 2)): 'resnet-smoke', (True, (3, 4, 6, 3)): 'resnet-50'}


def identify_backbone(checkpoint: str) -> str:
    """Read the backbone id off a checkpoint file's encoder tensors (any supported format).

    Raises ValueError naming what was found when it is none of the known sizes.
    """
    from mimbench.checkpoints.formats import detect_format, read_checkpoint

    raw = read_checkpoint(checkpoint)
    try:
        return backbone_id_of(raw, detect_format(raw))
    except ValueError as err:
        raise ValueError(f'checkpoint {checkpoint} {err}') from err


def backbone_id_of(raw: dict, fmt: str) -> str:
    """The backbone id of a loaded checkpoint container of format ``fmt`` (see :func:`identify_backbone`)."""
    from mimbench.checkpoints.convert import convert_state_dict, infer_family
    from mimbench.checkpoints.formats import unwrap

    encoder, _ = convert_state_dict(unwrap(raw), fmt)
    return backbone_id_from_encoder(encoder, infer_family(encoder, fmt))


def backbone_id_of_model(model) -> str:
    """The backbone id of the encoder inside a built model (what a record must be labelled with).

    Raises TypeError when the model holds no backbone mimbench knows, ValueError for an unknown size.
    """
    from mimbench.checkpoints.load import find_encoder

    _, encoder, family = find_encoder(model)
    return backbone_id_from_encoder(encoder.state_dict(), family)


def backbone_id_from_encoder(encoder: dict, family: str) -> str:
    """The backbone id of an encoder state dict in mmpretrain layout of ``family``."""
    import re

    if family == 'resnet':
        blocks = tuple(
            len({k.split('.')[1] for k in encoder if k.startswith(f'layer{i}.')}) for i in range(1, 5)
        )
        key = (any(k.endswith('conv3.weight') for k in encoder), blocks)
        found, table = key, _RESNET_IDS
    else:
        width = encoder['patch_embed.projection.weight'].shape[0]
        if family == 'vit':
            depth = len({int(m.group(1)) for k in encoder if (m := re.match(r'layers\.(\d+)\.', k))})
            found, table = (width, depth), _VIT_IDS
        else:
            found, table = (family, width), _HIERARCHICAL_IDS
    if found not in table:
        raise ValueError(
            f'holds a {family} encoder of shape {found}, which is none of the '
            f'known backbones ({", ".join(sorted(set(table.values())))})'
        )
    return table[found]


def pretraining_method(checkpoint: str) -> str | None:
    """The method id a mimbench pre-training checkpoint was made with, else None.

    Read from the plain-data provenance the checkpoint carries (:mod:`.provenance`), or, for checkpoints
    written before it existed, from the stored config text parsed as literal data
    (:func:`mimbench.config_data.parse_config_text`). Stored text is never executed: a config that is not
    plain data tells us nothing.
    """
    from mimbench.checkpoints.formats import read_checkpoint
    from mimbench.checkpoints.provenance import method_from_model_cfg, read_provenance
    from mimbench.config_data import ConfigTextError, parse_config_text

    raw = read_checkpoint(checkpoint)
    provenance = read_provenance(raw)
    if provenance and provenance.get('method'):
        return str(provenance['method'])
    text = (raw.get('meta') or {}).get('cfg') if isinstance(raw.get('meta'), dict) else None
    if not isinstance(text, str):
        return None
    try:
        cfg = parse_config_text(text, source=f'{checkpoint} meta.cfg')
    except ConfigTextError:
        return None
    return method_from_model_cfg(cfg.get('model'))
