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
    """The pre-training method id a checkpoint file records or plainly shows, else None (:func:`method_of`).

    Stored text is never executed: a config that is not plain data tells us nothing.
    """
    from mimbench.checkpoints.formats import detect_format, read_checkpoint

    raw = read_checkpoint(checkpoint)
    try:
        fmt = detect_format(raw)
    except ValueError:
        fmt = None
    return method_of(raw, fmt, source=str(checkpoint))[0]


def method_of(raw: dict, fmt: str | None, source: str = '<checkpoint>') -> tuple[str | None, str]:
    """``(method id or None, where it was read)`` for a loaded checkpoint container of format ``fmt``.

    In order of trust:

    1. mimbench pre-training checkpoints: the plain-data provenance ``meta['mimbench']['method']``
       (:mod:`.provenance`);
    2. mmengine checkpoints (mimbench before provenance, mmpretrain, mmselfsup): the model type of the
       stored config text ``meta.cfg``, parsed as literal data only (:func:`mimbench.config_data.
       parse_config_text`; text that is not plain data tells nothing);
    3. the releases' stored training configs: SimMIM's ``config.MODEL.NAME`` (``simmim_pretrain`` /
       ``simmim_finetune``), MAE's ``args.model`` (``mae_vit_base_patch16``: the pre-training models are the
       ``mae_*`` ones; fine-tuning uses plain ``vit_*``), MixMIM's ``args.model`` (``mixmim_*``);
    4. the keys: an MAE pre-training decoder next to a ViT (``decoder_embed``/``decoder_pred``, mae.txt
       Sec. 3), SimMIM's ``encoder.`` + one-layer ``decoder.`` (simmim.txt Sec. 3.1), a MixMIM encoder
       (mixmim.txt Sec. 2: the architecture exists only for MixMIM), and the mmpretrain equivalents
       (``neck.decoder_embed`` / ``neck.decoder.0``).

    A plain timm/DeiT/Swin state dict names no method: None. A recorded method that is not a valid id
    (``mimbench.results.id_problem``: it would become part of file names) is ignored.
    """
    from mimbench.checkpoints.formats import stored_config, unwrap
    from mimbench.checkpoints.provenance import method_from_model_cfg, read_provenance

    from mimbench.results import id_problem

    provenance = read_provenance(raw)
    if provenance and provenance.get('method') and not id_problem('method', provenance['method']):
        return str(provenance['method']), 'recorded by mimbench pre-training (meta.mimbench.method)'
    cfg = _meta_cfg(raw, source)
    method = method_from_model_cfg(cfg.get('model')) if cfg else None
    if method:
        return method, f"stored mmengine config (meta.cfg model.type={cfg['model'].get('type')!r})"
    config = stored_config(raw) or {}
    name = str((config.get('MODEL') or {}).get('NAME', '')) if isinstance(config.get('MODEL'), dict) else ''
    if 'simmim' in name.lower():
        return 'simmim', f'stored SimMIM config (config.MODEL.NAME={name!r})'
    model = str(config.get('model', ''))
    if model.startswith('mae_'):
        return 'mae', f'stored MAE arguments (args.model={model!r})'
    if model.startswith('mixmim'):
        return 'mixmim', f'stored MixMIM arguments (args.model={model!r})'
    try:
        state = unwrap(raw)
    except ValueError:
        return None, 'no tensors'
    has = lambda prefix: any(k.startswith(prefix) for k in state)  # noqa: E731
    if fmt == 'mixmim' or has('backbone.layers.0.blocks.0.ln1.'):
        return 'mixmim', 'MixMIM encoder keys (layers.i.blocks.j with ln1/ln2 or a decoder_*)'
    if fmt == 'simmim' and has('encoder.') and has('decoder.0.'):
        return 'simmim', "SimMIM pre-training keys (encoder.*, one-layer head decoder.0)"
    if fmt == 'mae' and has('decoder_embed.') and has('decoder_pred.'):
        return 'mae', 'MAE pre-training decoder keys (decoder_embed, decoder_pred) next to a ViT'
    if has('backbone.') and has('neck.decoder_embed.') and has('neck.decoder_pred.') and (
            has('backbone.layers.0.ln1.') or has('backbone.layers.0.attn.')):
        return 'mae', 'mmpretrain MAE keys (neck.decoder_embed, neck.decoder_pred) next to a ViT'
    if has('backbone.') and has('neck.decoder.0.') and has('backbone.mask_token'):
        return 'simmim', 'mmpretrain SimMIM keys (backbone.mask_token, neck.decoder.0)'
    return None, 'not recorded in the file'


def _meta_cfg(raw: dict, source: str) -> dict | None:
    """mmengine's stored config text ``meta.cfg`` parsed as literal data, else None (never executed)."""
    from mimbench.config_data import ConfigTextError, parse_config_text

    meta = raw.get('meta') if isinstance(raw, dict) else None
    text = meta.get('cfg') if isinstance(meta, dict) else None
    if not isinstance(text, str):
        return None
    try:
        return parse_config_text(text, source=f'{source} meta.cfg')
    except ConfigTextError:
        return None


def pretraining_facts(raw: dict, method: str | None) -> dict:
    """Pre-training epochs (planned), the epoch the file was saved at, variant and recipe, where recorded.

    mimbench provenance gives them all; an mmengine config gives ``train_cfg.max_epochs``; a pre-training
    release gives its planned epochs (SimMIM ``config.TRAIN.EPOCHS``, MAE/MixMIM ``args.epochs``) and the
    saved ``epoch`` (0-based in those codebases: the file after epoch index 799 of 800). Fields not
    recorded are left out. Only files that are pre-training checkpoints of ``method`` give epochs: a
    fine-tuned file's ``args.epochs`` are fine-tuning epochs.
    """
    from mimbench.checkpoints.formats import stored_config, unwrap
    from mimbench.checkpoints.provenance import read_provenance

    provenance = read_provenance(raw) or {}
    out = {k: provenance[k] for k in ('epochs', 'epoch', 'iter', 'variant', 'recipe') if provenance.get(k)
           is not None}
    if 'epochs' in out or method is None:
        return out
    cfg = _meta_cfg(raw, '<checkpoint>') or {}
    if isinstance(cfg.get('train_cfg'), dict) and cfg['train_cfg'].get('max_epochs'):
        out['epochs'] = cfg['train_cfg']['max_epochs']
        return out
    config = stored_config(raw) or {}
    try:
        keys = list(unwrap(raw))
    except ValueError:
        keys = []
    pretraining = any(k.startswith(('decoder', 'encoder.mask_token', 'mask_token')) for k in keys)
    model = config.get('MODEL') if isinstance(config.get('MODEL'), dict) else {}
    if 'pretrain' in str(model.get('NAME', '')).lower() or (pretraining and 'TRAIN' in config):
        epochs = (config.get('TRAIN') or {}).get('EPOCHS')
    elif pretraining and 'epochs' in config:
        epochs = config.get('epochs')
    else:
        return out
    if isinstance(epochs, int) and epochs > 0:
        out['epochs'] = epochs
        if isinstance(raw.get('epoch'), int):
            out['epoch'] = raw['epoch'] + 1  # the releases count epochs from 0
    return out


def trained_epochs(pretrain: dict) -> dict:
    """The pre-training length a result record states, from :func:`pretraining_facts`: ``{'epochs': N}``,
    the epochs the encoder was trained for, plus ``'schedule_epochs'`` (the schedule's planned length) only
    when the file is an intermediate checkpoint of a longer schedule (``epoch`` < ``epochs``); empty when not
    recorded.

    ``ResultRecord.pretrain`` and the ``pretrain_*`` cost fields (:mod:`mimbench.cost`) both use it, so a
    record and its cost never disagree on what was trained.
    """
    planned, reached = pretrain.get('epochs'), pretrain.get('epoch')
    if not planned:
        return {}
    if reached and reached < planned:
        return {'epochs': reached, 'schedule_epochs': planned}
    return {'epochs': planned}
