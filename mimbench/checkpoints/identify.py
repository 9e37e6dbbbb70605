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
    """Read the backbone id off a checkpoint's encoder tensors (any supported format).

    Raises ValueError naming what was found when it is none of the known sizes.
    """
    import re

    from mimbench.checkpoints.convert import convert_state_dict, infer_family
    from mimbench.checkpoints.formats import detect_format, read_checkpoint, unwrap

    raw = read_checkpoint(checkpoint)
    fmt = detect_format(raw)
    encoder, _ = convert_state_dict(unwrap(raw), fmt)
    family = infer_family(encoder, fmt)
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
            f'checkpoint {checkpoint} holds a {family} encoder of shape {found}, which is none of the '
            f'known backbones ({", ".join(sorted(set(table.values())))})'
        )
    return table[found]


def pretraining_method(checkpoint: str) -> str | None:
    """The method id a mimbench pre-training checkpoint was made with (from its stored config), else None."""
    from mmengine.config import Config

    from mimbench.checkpoints.formats import read_checkpoint

    text = (read_checkpoint(checkpoint).get('meta') or {}).get('cfg')
    if not isinstance(text, str):
        return None
    try:
        cfg = Config.fromstring(text, '.py')
    except Exception:  # noqa: BLE001 - a config we cannot parse simply tells us nothing
        return None
    algorithm = str(cfg.get('model', {}).get('type', '')).split('.')[-1].lower()
    if algorithm == 'cim':
        return f'cim-{cfg.model.get("objective", "respix")}'
    return algorithm if algorithm in ('mae', 'simmim', 'mixmim') else None
