"""The downstream tasks as data: which toolbox runs each, which config per backbone and scale, which metric.

``mimbench evaluate`` derives one config per task from this table (``task_config``); the leaderboards read
``primary_metric``/``higher_is_better``; ``version`` is bumped when a task's protocol changes so that records
of different protocols are not compared.

Configs live under ``configs/transfer/<task>/`` and are named
``<head>_<backbone>_<method>_<gpus>xb<batch>-<schedule>_<task>.py`` (full recipes of the papers). A smoke run
(CPU, 64 px generated data, 2 iterations, one evaluation) is no file of its own: it is the full recipe of the
family's base size shrunk by ``mimbench.smoke`` (``task_config(..., scale='smoke')`` names that recipe).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mimbench.results import TASKS as RECORD_TASKS

CONFIG_ROOT = Path(__file__).resolve().parents[2] / 'configs' / 'transfer'
FAMILIES = ('vit', 'swin', 'mixmim', 'resnet')
# backbone id -> family (ids as in result records; *-smoke are the shared smoke sizes)
BACKBONES = {
    'vit-s': 'vit', 'vit-b': 'vit', 'vit-l': 'vit', 'vit-h': 'vit', 'vit-smoke': 'vit',
    'swin-b': 'swin', 'swin-l': 'swin', 'swin-smoke': 'swin',
    'mixmim-b': 'mixmim', 'mixmim-l': 'mixmim', 'mixmim-h': 'mixmim', 'mixmim-smoke': 'mixmim',
    'resnet-50': 'resnet', 'resnet-smoke': 'resnet',
}
# the size whose full recipe a family's smoke run shrinks (other sizes only where it has none)
BASE_SIZES = {'vit': 'vit-b', 'swin': 'swin-b', 'mixmim': 'mixmim-b', 'resnet': 'resnet-50'}
# 'finetune': end-to-end (every task); 'linear' / 'partial': ImageNet linear probing / partial fine-tuning
# (mae.txt Table 10, Sec. 4.3); 'linear-head' / 'fcn-head(-160k)': CiM's light ADE20K heads (cim.txt Sec. 3.3)
# 'linear-block': linear probing of the ViT block chosen on held-out training data (simmim.txt Sec. 4.2)
PROTOCOLS = ('finetune', 'linear', 'partial', 'linear-head', 'fcn-head', 'fcn-head-160k', 'linear-block')


@dataclass(frozen=True)
class Task:
    """One downstream task.

    Full recipes, by who may use them (paths relative to ``configs/transfer``):

    - ``variants`` maps (backbone id, protocol, method) to that method's own default recipe (its paper's,
      or its official release where that produced the paper's number);
    - ``alternates`` maps (backbone id, protocol, method, name) to a method's other recipes for the same
      backbone: the paper-text recipe where the release differs (``'paper'``), an ablation schedule, another
      resolution (``'448px'``), another length (``'100e'``);
    - ``full`` maps (backbone id, protocol) to the recipe a method without one of its own is fine-tuned
      with (another paper's; the record's ``recipe`` and ``note`` then say so, see :func:`recipe_note`).

    Smoke runs are derived from these (``mimbench.smoke``), not listed.
    """
    id: str
    scope: str                      # toolbox that runs it: mmdet | mmseg | mmpretrain
    metrics: tuple[str, ...]        # mimbench metric ids the record holds
    primary_metric: str
    papers: str                     # where the protocol comes from
    data_dir: str                   # folder name under a data root holding all tasks (mimbench data make)
    full: dict = field(default_factory=dict)
    variants: dict = field(default_factory=dict)
    higher_is_better: bool = True
    version: int = 1
    alternates: dict = field(default_factory=dict)
    evaluates: str | None = None    # test-only: evaluates this task's fine-tuned model, trains nothing


def _own(task_dir: str, recipes: dict) -> dict:
    """``{key: '<task_dir>/<name>'}`` from ``{(backbone, protocol, method): name}``."""
    return {key: f'{task_dir}/{name}' for key, name in recipes.items()}


def _mae_cls(task: str) -> dict:
    """MAE's iNat/Places recipes (mae.txt A.5: the Table 9 setting) for ViT-B/L/H."""
    return _own(task, {('vit-b', 'finetune', 'mae'): f'finetune_vit-base-p16_mae_8xb128-100e_{task}.py',
                       ('vit-l', 'finetune', 'mae'): f'finetune_vit-large-p16_mae_8xb128-50e_{task}.py',
                       ('vit-h', 'finetune', 'mae'): f'finetune_vit-huge-p14_mae_8xb128-50e_{task}.py'})


def _mixmim_cls(task: str) -> dict:
    """MixMIM's iNat/Places recipes (mixmim.txt Sec. 8: the Table 12 setting) for MixMIM-B/L."""
    return _own(task, {
        ('mixmim-b', 'finetune', 'mixmim'): f'finetune_mixmim-base_mixmim_8xb128-100e_{task}.py',
        ('mixmim-l', 'finetune', 'mixmim'): f'finetune_mixmim-large_mixmim_8xb128-50e_{task}.py'})


def _cls_task(task: str, mixmim: bool, simmim: dict | None = None) -> Task:
    variants = {**_mae_cls(task), **(_mixmim_cls(task) if mixmim else {}), **(simmim or {})}
    return Task(task, 'mmpretrain', ('top1',), 'top1', _CLS_PAPERS, task,
                full=_fallbacks(variants, _DEFAULT_METHOD),
                variants=variants,
                alternates={('vit-h', 'finetune', 'mae', '448px'):
                            f'{task}/finetune_vit-huge-p14_mae_8xb128-50e_{task}-448px.py'})


def _fallbacks(variants: dict, default_method: dict) -> dict:
    """``full``: per (backbone, protocol), the recipe of ``default_method[backbone]`` among ``variants``."""
    return {(b, p): path for (b, p, m), path in variants.items() if default_method.get(b) == m}


_CLS_PAPERS = 'mae.txt Table 6 and A.5, mixmim.txt Table 5 and Sec. 8, simmim.txt C.1'
_DEFAULT_METHOD = {'vit-s': 'cim-respix', 'vit-b': 'mae', 'vit-l': 'mae', 'vit-h': 'mae', 'swin-b': 'simmim',
                   'swin-l': 'simmim', 'mixmim-b': 'mixmim', 'mixmim-l': 'mixmim', 'mixmim-h': 'mixmim',
                   'resnet-50': 'cim-revdet'}
_COCO = _own('coco', {
    ('vit-b', 'finetune', 'mae'): 'mask-rcnn_vit-base-p16_mae_8xb8-lsj-100e_coco.py',
    ('vit-l', 'finetune', 'mae'): 'mask-rcnn_vit-large-p16_mae_8xb8-lsj-100e_coco.py',
    ('swin-b', 'finetune', 'simmim'): 'mask-rcnn_swin-base-w7_simmim_8xb4-lsj-36e_coco.py',
    ('swin-l', 'finetune', 'simmim'): 'mask-rcnn_swin-large-w14_simmim_8xb4-lsj-36e_coco.py',
    ('mixmim-b', 'finetune', 'mixmim'): 'mask-rcnn_mixmim-base_mixmim_8xb8-lsj-55e_coco.py',
    ('mixmim-l', 'finetune', 'mixmim'): 'mask-rcnn_mixmim-large_mixmim_8xb8-lsj-80e_coco.py'})
_ADE20K = _own('ade20k', {
    ('vit-b', 'finetune', 'mae'): 'upernet_vit-base-p16_mae_8xb2-126k_ade20k.py',
    ('vit-l', 'finetune', 'mae'): 'upernet_vit-large-p16_mae_8xb2-126k_ade20k.py',
    ('swin-b', 'finetune', 'simmim'): 'upernet_swin-base-w20_simmim_8xb4-80k_ade20k.py',
    ('swin-l', 'finetune', 'simmim'): 'upernet_swin-large-w20_simmim_8xb4-80k_ade20k.py',
    ('mixmim-b', 'finetune', 'mixmim'): 'upernet_mixmim-base_mixmim_8xb2-16k_ade20k.py',
    ('mixmim-l', 'finetune', 'mixmim'): 'upernet_mixmim-large_mixmim_8xb2-16k_ade20k.py',
    ('vit-b', 'linear-head', 'cim-respix'): 'linear_vit-base-p16_cim-respix_8xb2-160k_ade20k.py',
    **{('resnet-50', protocol, method): f'fcn_resnet-50-d8_cim-revdet_8xb2-{length}_ade20k.py'
       for method in ('cim-revdet', 'cim-respix')
       for protocol, length in (('finetune', '80k'), ('fcn-head', '80k'), ('fcn-head-160k', '160k'))}})
_IN1K = _own('in1k', {
    ('vit-b', 'finetune', 'mae'): 'finetune_vit-base-p16_mae_8xb128-100e_in1k.py',
    ('vit-l', 'finetune', 'mae'): 'finetune_vit-large-p16_mae_8xb128-50e_in1k.py',
    ('vit-h', 'finetune', 'mae'): 'finetune_vit-huge-p14_mae_8xb128-50e_in1k.py',
    ('vit-b', 'linear', 'mae'): 'linear_vit-base-p16_mae_32xb512-90e_in1k.py',
    ('vit-l', 'linear', 'mae'): 'linear_vit-large-p16_mae_32xb512-90e_in1k.py',
    ('vit-h', 'linear', 'mae'): 'linear_vit-huge-p14_mae_32xb512-90e_in1k.py',
    ('vit-l', 'partial', 'mae'): 'partial-4blocks_vit-large-p16_mae_8xb128-100e_in1k.py',
    ('vit-b', 'finetune', 'simmim'): 'finetune_vit-base-p16_simmim_8xb256-100e_in1k.py',
    ('vit-b', 'linear-block', 'simmim'): 'linear-block_beit-base-p16_simmim_8xb128-100e_in1k.py',
    ('swin-b', 'finetune', 'simmim'): 'finetune_swin-base_simmim_8xb256-100e_in1k.py',
    ('swin-l', 'finetune', 'simmim'): 'finetune_swin-large_simmim_8xb256-100e_in1k.py',
    ('mixmim-b', 'finetune', 'mixmim'): 'finetune_mixmim-base_mixmim_8xb128-100e_in1k.py',
    ('mixmim-l', 'finetune', 'mixmim'): 'finetune_mixmim-large_mixmim_8xb128-50e_in1k.py',
    ('mixmim-h', 'finetune', 'mixmim'): 'finetune_mixmim-huge_mixmim_8xb128-50e_in1k.py',
    ('vit-b', 'finetune', 'cim-respix'): 'finetune_vit-base-p16_cim-respix_8xb128-100e_in1k.py',
    ('vit-b', 'finetune', 'cim-revdet'): 'finetune_vit-base-p16_cim-revdet_8xb128-100e_in1k.py',
    ('vit-s', 'finetune', 'cim-respix'): 'finetune_vit-small-p16_cim-respix_8xb128-200e_in1k.py',
    ('vit-s', 'finetune', 'cim-revdet'): 'finetune_vit-small-p16_cim-revdet_8xb128-200e_in1k.py',
    ('resnet-50', 'finetune', 'cim-respix'): 'finetune_resnet-50_cim-respix_8xb256-300e_in1k.py',
    ('resnet-50', 'finetune', 'cim-revdet'): 'finetune_resnet-50_cim-revdet_8xb256-300e_in1k.py'})
_IN1K_ALTERNATES = _own('in1k', {
    **{(b, 'finetune', 'mae', 'paper'): f'finetune_{name}_mae_8xb128-paper-{ep}e_in1k.py'
       for b, name, ep in (('vit-b', 'vit-base-p16', 100), ('vit-l', 'vit-large-p16', 50),
                           ('vit-h', 'vit-huge-p14', 50))},
    ('vit-h', 'finetune', 'mae', '448px'): 'finetune_vit-huge-p14_mae_8xb128-50e_in1k-448px.py',
    ('vit-b', 'finetune', 'simmim', 'paper'): 'finetune_vit-base-p16_simmim_8xb256-paper-100e_in1k.py',
    ('swin-b', 'finetune', 'simmim', 'paper'): 'finetune_swin-base_simmim_8xb256-paper-100e_in1k.py',
    ('swin-l', 'finetune', 'simmim', 'paper'): 'finetune_swin-large_simmim_8xb256-paper-100e_in1k.py',
    ('swin-b', 'finetune', 'simmim', 'ablation'): 'finetune_swin-base-w6_simmim_8xb256-100e_in1k-192px.py',
    ('swin-b', 'finetune', 'simmim', 'ablation-paper'):
        'finetune_swin-base-w6_simmim_8xb256-paper-100e_in1k-192px.py',
    ('resnet-50', 'finetune', 'cim-revdet', '100e'): 'finetune_resnet-50_cim-revdet_8xb256-100e_in1k.py',
    ('resnet-50', 'finetune', 'cim-revdet', '600e'): 'finetune_resnet-50_cim-revdet_8xb256-600e_in1k.py'})

TASK_LIST = (
    Task('coco', 'mmdet', ('ap_box', 'ap_mask'), 'ap_box',
         'mae.txt A.3 / Table 4, simmim.txt C.1 / Table 12, mixmim.txt Sec. 8 / Table 4', 'coco',
         full=_fallbacks(_COCO, _DEFAULT_METHOD), variants=_COCO),
    Task('ade20k', 'mmseg', ('miou',), 'miou',
         'mae.txt A.4 / Table 5, simmim.txt C.1, mixmim.txt Sec. 8 / Table 4, cim.txt Sec. 3.3 / Table 3',
         'ade20k',
         full={**_fallbacks(_ADE20K, _DEFAULT_METHOD),
               **{(b, p): path for (b, p, m), path in _ADE20K.items() if m in ('cim-respix', 'cim-revdet')}},
         variants=_ADE20K),
    Task('in1k', 'mmpretrain', ('top1', 'linear'), 'top1',
         'mae.txt Tables 9-10 and Sec. 4.3, simmim.txt Sec. 4, mixmim.txt Table 12, cim.txt Tables 10-11',
         'in1k',
         full={**_fallbacks(_IN1K, _DEFAULT_METHOD),   # SimMIM's block-selecting probe, for any ViT-B method
               ('vit-b', 'linear-block'): 'in1k/linear-block_vit-base-p16_simmim_8xb128-100e_in1k.py'},
         variants=_IN1K, alternates=_IN1K_ALTERNATES),
    _cls_task('inat2017', mixmim=False),
    _cls_task('inat2018', mixmim=True, simmim=_own('inat2018', {
        ('swin-b', 'finetune', 'simmim'): 'finetune_swin-base-w6_simmim_8xb256-100e_inat2018-192px.py'})),
    _cls_task('inat2019', mixmim=True),
    _cls_task('places205', mixmim=True),
    _cls_task('places365', mixmim=True),
)
# Robustness (mae.txt Appendix C, Table 13): the in1k fine-tuned classifier on ImageNet variants, no further
# training. Configs inherit the in1k config of the same backbone and load its final checkpoint (load_from).
_ROBUSTNESS_BACKBONES = {'vit-b': 'vit-base-p16', 'vit-l': 'vit-large-p16', 'vit-h': 'vit-huge-p14'}
TASK_LIST += tuple(
    Task(task, 'mmpretrain', (metric,), metric, 'mae.txt Appendix C / Table 13', task, evaluates='in1k',
         higher_is_better=metric != 'mce',
         full={(b, 'finetune'): f'{task}/test_{name}_in1k-finetuned_{task}.py'
               for b, name in _ROBUSTNESS_BACKBONES.items()})
    for task, metric in (('imagenet-c', 'mce'), ('imagenet-a', 'top1'), ('imagenet-r', 'top1'),
                         ('imagenet-sketch', 'top1')))
TASKS = {t.id: t for t in TASK_LIST}
if set(TASKS) != set(RECORD_TASKS):  # the record schema and this table must name the same tasks
    raise ImportError(f'task table {sorted(TASKS)} differs from mimbench.results.TASKS '
                      f'{sorted(RECORD_TASKS)}')


def family_of(backbone: str) -> str:
    """Family of a backbone id (``vit-b`` -> ``vit``); a family name is returned unchanged."""
    if backbone in FAMILIES:
        return backbone
    if backbone not in BACKBONES:
        raise ValueError(f'unknown backbone {backbone!r}; expected one of {", ".join(BACKBONES)} '
                         f'or a family ({", ".join(FAMILIES)})')
    return BACKBONES[backbone]


class NoRecipeError(ValueError):
    """No recipe transfers this backbone (family) to the task with this protocol; the message lists those that
    exist. ``mimbench evaluate --tasks all`` skips such tasks, saying so; a task asked for by name fails."""


def task_config(task: str, backbone: str, scale: str = 'full', protocol: str = 'finetune',
                method: str | None = None, variant: str | None = None) -> str:
    """Path of the config that transfers ``backbone`` (an id like ``vit-b`` or a family) to ``task``.

    ``scale='full'`` gives the paper recipe for that backbone; ``scale='smoke'`` the full recipe a smoke run
    of the backbone's family shrinks (``mimbench.smoke``): the one ``scale='full'`` picks for the family's
    base size (``BASE_SIZES``), so a smoke run exercises the recipe a full run of that method would use.
    ``protocol`` picks ImageNet's linear probing / partial fine-tuning, or ADE20K's CiM light heads
    (``linear-head`` for ViT, ``fcn-head`` for ResNet). Full recipes are chosen by (task, backbone, method):
    ``method``'s own recipe first (``variants``); without one, the backbone's default recipe (``full``,
    another paper's: :func:`recipe_note` says which). ``variant`` names one of the method's other recipes
    (``alternates``: ``'paper'``, ``'448px'``, ``'ablation'``...; see :func:`recipe_names`).

    Raises:
        ValueError: unknown task/backbone/scale/variant, or no config for that combination (the message lists
            the ones that exist).
    """
    if task not in TASKS:
        raise ValueError(f'unknown task {task!r}; expected one of {", ".join(TASKS)}')
    spec = TASKS[task]
    if scale == 'smoke':
        return _smoke_recipe(task, family_of(backbone), protocol, method, variant)
    if scale == 'full':
        if backbone in FAMILIES or backbone.endswith('-smoke'):
            sizes = ', '.join(sorted({b for b, _ in spec.full}))
            raise ValueError(f'full-scale recipes are per backbone size; got {backbone!r}. Pass a '
                             f'backbone id such as {sizes} (or scale="smoke")')
        family_of(backbone)
        if variant is not None:
            if (backbone, protocol, method, variant) not in spec.alternates:
                have = ', '.join(sorted(recipe_names(task, backbone, protocol, method))) or 'none'
                raise ValueError(f'no recipe {variant!r} for {method} {backbone} on {task} ({protocol}); '
                                 f'named recipes there: {have}')
            return str(CONFIG_ROOT / spec.alternates[(backbone, protocol, method, variant)])
        if method is not None and (backbone, protocol, method) in spec.variants:
            return str(CONFIG_ROOT / spec.variants[(backbone, protocol, method)])
        key, table = (backbone, protocol), spec.full
    else:
        raise ValueError(f"scale must be 'smoke' or 'full', got {scale!r}")
    if key not in table:
        have = ', '.join(f'{b} ({p})' for b, p in sorted(table))
        raise NoRecipeError(f'no {scale} config for task {task} with backbone {backbone} ({protocol}); '
                         f'configs exist for: {have}. Add one under {CONFIG_ROOT / task} (inherit a '
                         'neighbour and change the backbone).')
    return str(CONFIG_ROOT / table[key])


def pretraining_recipe_variant(method: str | None, task: str, protocol: str,
                               pretrain: dict | None) -> str | None:
    """The named transfer recipe (``variant=`` of :func:`task_config`) a pre-training run calls for, or None.

    MAE's ablations (mae.txt Tables 1-2: ViT-L, 800 epochs, unnormalised pixels unless said) and its
    unnormalised-pixel or token targets (Table 7) were fine-tuned with the paper's Table 9 recipe,
    ``'paper'``; the default in1k recipe is the official release's, tuned for the normalised-pixel models
    (FINETUNE.md).
    ``pretrain``: the record's/checkpoint's pre-training labels (``recipe``, ``variant``).
    """
    pretrain = pretrain or {}
    recipe, variant = str(pretrain.get('recipe') or ''), pretrain.get('variant')
    if method == 'mae' and task == 'in1k' and protocol == 'finetune' and (
            recipe.startswith('mae.txt Table 1') or variant in ('pixel-no-norm', 'dvae-token')):
        return 'paper'
    return None


def recipe_names(task: str, backbone: str, protocol: str = 'finetune',
                 method: str | None = None) -> list[str]:
    """Names of ``method``'s other recipes for ``backbone`` on ``task`` (``variant=`` of task_config)."""
    return [name for b, p, m, name in TASKS[task].alternates if (b, p, m) == (backbone, protocol, method)]


def recipe_note(task: str, backbone: str, protocol: str = 'finetune',
                method: str | None = None) -> str | None:
    """Why ``method`` runs another paper's recipe on ``task`` with ``backbone``; None when it has its own.

    The sentence goes into the result record's ``note`` (the record's ``recipe`` names the recipe used), so
    the leaderboards can tell a method's own recipe from a borrowed one.
    """
    spec = TASKS[task]
    if method is None or method in ('random', 'supervised') or (backbone, protocol, method) in spec.variants:
        return None
    owner = next((m for (b, p, m), path in spec.variants.items()
                  if (b, p) == (backbone, protocol) and path == spec.full.get((backbone, protocol))), None)
    if owner is None:
        return None
    return (f'no {method} recipe for {backbone} on {task} ({protocol}): fine-tuned with the {owner} recipe '
            f'({Path(spec.full[(backbone, protocol)]).name})')


def _smoke_recipe(task: str, family: str, protocol: str, method: str | None, variant: str | None) -> str:
    """The full recipe a ``family`` smoke run of ``task`` shrinks: the family's base size first, then its
    other sizes in table order (e.g. partial fine-tuning exists for ViT-L only)."""
    base = BASE_SIZES[family]
    sizes = [base] + [b for b, f in BACKBONES.items()
                      if f == family and b != base and not b.endswith('-smoke')]
    for size in sizes:
        try:
            return task_config(task, size, 'full', protocol, method, variant)
        except ValueError:
            continue
    have = ', '.join(f'{b} ({p})' for b, p in sorted(TASKS[task].full))
    named = f', {variant}' if variant else ''
    raise NoRecipeError(f'no full recipe of task {task} for a {family} backbone ({protocol}{named}), which a '
                     f'smoke run would shrink; recipes exist for: {have}. Add one under {CONFIG_ROOT / task} '
                     'or choose a backbone family that has one.')


def all_configs(scale: str | None = None) -> list[str]:
    """Every config path in the table, each once: the full recipes (``scale`` None or 'full'; 'smoke' gives
    the same list: each smoke run is one of them shrunk by ``mimbench.smoke``)."""
    if scale not in (None, 'full', 'smoke'):
        raise ValueError(f"scale must be 'smoke', 'full' or None, got {scale!r}")
    paths = []
    for spec in TASK_LIST:
        paths += [str(CONFIG_ROOT / p) for p in (*spec.full.values(), *spec.variants.values(),
                                                 *spec.alternates.values())]
    return list(dict.fromkeys(paths))


def data_root_overrides(task: str, data_root: str) -> list[str]:
    """Config lines pointing ``task``'s dataloaders (and COCO's evaluator) at ``<data_root>/<task dir>``.

    ``data_root`` holds one folder per task, as ``mimbench data make --root DIR`` writes it (``coco/``,
    ``ade20k/``, ``in1k/``, ``inat2018/``...).
    """
    spec = TASKS[task]
    root = str(Path(data_root).resolve() / spec.data_dir) + '/'
    lines = [f'_task_data_root = {root!r}']
    for split in ('test',) if spec.evaluates else ('train', 'val', 'test'):
        lines.append(f'{split}_dataloader = dict(dataset=dict(data_root=_task_data_root))')
    if spec.scope == 'mmdet':
        for split in ('val', 'test'):
            lines.append(f"{split}_evaluator = dict(ann_file=_task_data_root + "
                         f"'annotations/instances_val2017.json')")
    return lines
