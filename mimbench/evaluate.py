"""``mimbench evaluate``: fine-tune and evaluate one encoder on every downstream task.

For each task it derives one config from the transfer template of the encoder's backbone family (a file in
the work dir that a user can read and re-run by hand with ``mimbench train``), runs it locally or through
mmengine's launchers (torchrun, Slurm), and finally regenerates the leaderboards from the result records.

A suite that stopped half-way resumes where it stopped: a task whose result record exists is skipped, an
interrupted task resumes from the last checkpoint in its work dir. One failing task does not stop the
others; the exit code says whether all succeeded.

``--seeds 0,1,2`` runs every task once per seed (``randomness.seed``), each in its own work dir
``<task>/seed<N>`` with its own record and resume state; the leaderboards average the seeds and combine their
spread with the per-image bootstrap (:mod:`mimbench.stats`). Without ``--seeds`` each task runs once, in
``<task>/``, with its config's seed (0 for every mimbench recipe).
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from mimbench.models.foreign import foreign_label, foreign_options, is_foreign



class EvaluateError(Exception):
    """A bad input the user can fix; the message says what was expected, what was found and what to do."""


@dataclass
class TaskRun:
    task: str
    template: Path
    config: Path
    work_dir: Path
    command: list[str] = field(default_factory=list)
    seed: int | None = None   # randomness.seed of this run; None: the config's own
    notes: list[str] = field(default_factory=list)   # what the memory savers changed (total batch, ...)

    @property
    def results_dir(self) -> Path:
        return self.work_dir / 'results'

    def record(self) -> Path | None:
        """The run's result record, if it finished: the record itself is the completion marker.

        A record is written atomically at the very end of a run, so a run killed at any point either has
        one (finished) or not (resume it); there is no second marker to get out of step with it.
        """
        from mimbench.results import read_record

        for path in sorted(self.results_dir.glob('*.json'), reverse=True):
            try:
                record = read_record(path)
            except ValueError:
                continue
            if record.task == self.task:
                return path
        return None

    def finished(self) -> bool:
        return self.record() is not None

    def remove_stale_writes(self) -> None:
        """Delete temporary files of a record write cut short by a kill (never a record: those are renamed
        into place whole), so they do not linger as problem lines on the leaderboard."""
        for stale in self.results_dir.glob('.tmp-*'):
            stale.unlink(missing_ok=True)


def parse_tasks(text: str) -> list[str]:
    from mimbench.transfer import tasks

    valid = list(tasks.TASKS)
    if text in ('all', ''):
        return valid
    wanted = [t.strip() for t in text.split(',') if t.strip()]
    unknown = [t for t in wanted if t not in valid]
    if unknown:
        raise EvaluateError(
            f'unknown task(s) {", ".join(unknown)}; valid tasks: {", ".join(valid)} (or "all")'
        )
    return wanted


def parse_protocols(items: list[str], task_ids: list[str]) -> dict[str, str]:
    """``['in1k=linear-block']`` -> ``{'in1k': 'linear-block'}``; tasks not named use ``finetune``."""
    from mimbench.transfer import tasks

    out = {}
    for item in items:
        task, _, protocol = item.partition('=')
        if task not in tasks.TASKS or protocol not in tasks.PROTOCOLS:
            raise EvaluateError(f'--protocols {item!r}: expected TASK=PROTOCOL with a task of '
                                f'{", ".join(tasks.TASKS)} and a protocol of {", ".join(tasks.PROTOCOLS)} '
                                '(e.g. in1k=linear-block)')
        if task not in task_ids:
            raise EvaluateError(f'--protocols names {task}, which --tasks does not run')
        out[task] = protocol
    return out


def checkpoint_facts(checkpoint: str | None):
    """What the checkpoint file says about itself (:func:`mimbench.checkpoints.facts.describe_checkpoint`):
    one weights-only read that planning, ``mimbench inspect`` and the loader share. None without a file."""
    if not checkpoint:
        return None
    from mimbench.checkpoints.facts import describe_checkpoint

    try:
        return describe_checkpoint(checkpoint)
    except ValueError as err:  # corrupt, or holds objects that are refused: the message says what to do
        raise EvaluateError(str(err)) from err


def resolve_backbone(checkpoint: str | None, backbone: str | None, facts=None) -> str:
    """The backbone id to evaluate: given by the user, or read off the checkpoint's tensors.

    A ``--backbone`` that contradicts the encoder in the file is refused before anything trains (the record
    would be labelled with a backbone that was not loaded).
    """
    from mimbench.transfer import tasks

    if backbone:
        if backbone not in tasks.BACKBONES and not is_foreign(backbone):
            raise EvaluateError(
                f'unknown backbone {backbone!r}; valid backbones: {", ".join(tasks.BACKBONES)}, '
                'or timm:<model name>, a .py config with `backbone = dict(...)`, or a '
                'registered type such as mmpretrain.ConvNeXt'
            )
        if facts is not None and facts.backbone and not is_foreign(backbone) and facts.backbone != backbone:
            raise EvaluateError(
                f'--backbone {backbone} contradicts the checkpoint {checkpoint}, which holds a '
                f'{facts.backbone} encoder (read off its tensors); drop --backbone to evaluate it as '
                f'{facts.backbone}, or pass a checkpoint of a {backbone}'
            )
        return backbone
    if not checkpoint:
        raise EvaluateError(
            'without --checkpoint (random initialisation) the backbone cannot be detected: '
            f'pass --backbone, one of {", ".join(tasks.BACKBONES)}'
        )
    facts = facts or checkpoint_facts(checkpoint)
    if facts.backbone:
        return facts.backbone
    raise EvaluateError(
        f'checkpoint {checkpoint}: cannot tell which backbone it holds ({"; ".join(facts.problems)}); pass '
        f'--backbone (one of {", ".join(tasks.BACKBONES)}, or timm:<model name> / a backbone config file)'
    )


def resolve_method(method: str | None, facts, force: bool = False) -> str:
    """The method label of the records: ``--method``, else what the file records, else ``unknown``.

    ``--method`` that contradicts the method the file records (provenance, stored config or unmistakable
    pre-training keys, :func:`mimbench.checkpoints.identify.method_of`) is refused unless ``force``.
    """
    if facts is None:
        return method or 'random'
    if method and facts.method and method != facts.method and not force:
        raise EvaluateError(
            f'--method {method} contradicts the checkpoint {facts.path}, which says {facts.method} '
            f'({facts.method_source}); drop --method to label the records {facts.method}, or add '
            f'--force-method to label them {method} anyway (e.g. a method of your own built on that code)'
        )
    return method or facts.method or 'unknown'


def provenance_labels(facts) -> dict:
    """Record fields a checkpoint gives (through the derived config's ``mimbench`` dict): pre-training epochs
    (``ResultRecord.pretrain['epochs']``: epochs trained; ``schedule_epochs`` when the file is an
    intermediate checkpoint of a longer schedule), its recipe, and the pre-training variant."""
    from mimbench.checkpoints.identify import trained_epochs

    pretrain = dict(facts.pretrain) if facts is not None else {}
    labels: dict = {}
    epochs = trained_epochs(pretrain)
    if epochs:
        labels['pretrain'] = epochs
        if 'schedule_epochs' in epochs:
            reached, planned = epochs['epochs'], epochs['schedule_epochs']
            labels['note'] = f'pre-training checkpoint at epoch {reached} of {planned}'
    if pretrain.get('recipe'):
        labels.setdefault('pretrain', {})['recipe'] = pretrain['recipe']
    if pretrain.get('variant'):
        from mimbench.results import id_problem

        problem = id_problem('variant', pretrain['variant'])
        if problem:  # a record must carry a file-name-safe id: keep the text as a note only
            labels['note'] = '; '.join(filter(None, (labels.get('note'), f'pre-training {problem}')))
        else:
            labels['variant'] = labels.setdefault('pretrain', {})['variant'] = pretrain['variant']
    return labels


def _with_template_variant(template: Path, meta: dict) -> None:
    """A pre-training variant joins, not replaces, the variant a transfer template names (CiM's heads):
    ``<template variant>+<pre-training variant>``, still a valid id (the pre-training one stays in
    ``pretrain['variant']`` either way)."""
    from mmengine.config import Config

    from mimbench.results import id_problem

    own = (Config.fromfile(str(template)).get('mimbench', None) or {}).get('variant')
    if own and meta.get('variant') and own != meta['variant']:
        joined = f'{own}+{meta["variant"]}'
        meta['variant'] = own if id_problem('variant', joined) else joined


def _nested(options: dict) -> dict:
    """``{'a.b.c': v}`` -> ``{'a': {'b': {'c': v}}}`` (config override syntax)."""
    out: dict = {}
    for key, value in options.items():
        node = out
        *parents, leaf = key.split('.')
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def _layer_decay_method(template: Path, method: str) -> dict:
    """Tell a layer-decay template which method's paper rule to use, unless the template fixes a rule."""
    from mmengine.config import Config

    from mimbench.transfer.layer_decay import DEFAULT_RULE_BY_METHOD

    optim = Config.fromfile(str(template)).get('optim_wrapper', {})
    if (
        str(optim.get('constructor', '')).endswith('LayerDecayOptimWrapperConstructor')
        and method in DEFAULT_RULE_BY_METHOD
        and 'rule' not in optim.get('paramwise_cfg', {})
    ):
        return {'optim_wrapper.paramwise_cfg.method': method}
    return {}


def derive_config(
    task: str,
    backbone: str,
    checkpoint: str | None,
    method: str,
    scale: str,
    work_dir: Path,
    results_dir: Path,
    data_root: str | None = None,
    seed: int | None = None,
    extra: dict | None = None,
    protocol: str = 'finetune',
    labels: dict | None = None,
    recipe: str | None = None,
    recipe_reason: str | None = None,
    savers: dict | None = None,
) -> TaskRun:
    """Write ``work_dir/<task>.py``: the task template plus this encoder, its checkpoint and record fields.

    The file inherits the template (``_base_``) and overrides only what this run changes, so a user can
    read it, edit it and re-run it by hand with ``mimbench train``. ``extra``: more dotted overrides;
    ``protocol``: the task's protocol (``mimbench.transfer.tasks.PROTOCOLS``, e.g. in1k ``linear-block``);
    ``labels``: further record fields for the ``mimbench`` dict (:func:`provenance_labels`).
    ``recipe``: a template to use instead of the method's own (:func:`_fitting_recipes`, or the named recipe
    the pre-training calls for, :func:`tasks.pretraining_recipe_variant`), ``recipe_reason`` the record's note
    saying why (default: the checkpoint's layout does not fit the method's own).
    At ``scale='smoke'`` the file inherits ``work_dir/<task>_smoke.py`` instead of the template: its smoke
    twin (``_base_ = [template]`` plus the overrides of ``mimbench.smoke``).
    """
    from mmengine.config import Config

    from mimbench.datasets.overrides import data_root_options
    from mimbench.transfer import tasks

    work_dir.mkdir(parents=True, exist_ok=True)
    ckpt = str(Path(checkpoint).resolve()) if checkpoint else None
    meta = dict(
        task=task,
        method=method,
        backbone=backbone,
        scale=scale,
        checkpoint=ckpt,
        results_dir=str(results_dir),
        **(labels or {}),
    )
    if is_foreign(backbone):
        try:
            template, options = foreign_options(task, backbone, ckpt, scale)
        except (ValueError, KeyError, RuntimeError) as err:
            raise EvaluateError(f'backbone {backbone!r} for task {task}: {err}') from err
        meta.update(
            backbone=foreign_label(backbone), note=f'foreign backbone {backbone}; no layer-wise lr decay'
        )
    else:
        try:
            template = recipe or tasks.task_config(task, backbone, scale, protocol, method=method)
            template = Path(template).resolve()
        except ValueError as err:
            raise EvaluateError(str(err)) from err
        # a smoke run shrinks the base size's recipe: the note names what a full run of that size would borrow
        size = backbone if scale == 'full' else tasks.BASE_SIZES[tasks.family_of(backbone)]
        borrowed = tasks.recipe_note(task, size, method=method)
        if recipe:
            borrowed = recipe_reason or (f'the {method} recipe for {backbone} on {task} builds an encoder '
                                         f'this checkpoint does not fit: fine-tuned with {template.name}')
        if borrowed:   # another paper's recipe: the record says so next to its `recipe`
            meta['note'] = '; '.join(filter(None, (meta.get('note'), borrowed)))
        options = {
            'model.backbone.init_cfg': dict(_delete_=True, type='mimbench.Pretrained', checkpoint=ckpt)
            if ckpt
            else None
        }
        options.update(_layer_decay_method(template, method))
    if meta.get('variant') and not is_foreign(backbone):
        _with_template_variant(template, meta)
    notes = []
    if savers is not None:   # memory savers: activation checkpointing, accumulation (memory_savers.py)
        from mimbench.transfer.memory_savers import saver_options
        if savers.get('checkpointing') and is_foreign(backbone):
            raise EvaluateError(f'--activation-checkpointing knows the mimbench/mmpretrain backbone families, '
                                f'not {backbone!r}; switch it on in the backbone config instead (e.g. '
                                'with_cp=True for mmpretrain backbones that have it)')
        try:
            saver_opts, notes = saver_options(template, scale=scale, **savers)
        except ValueError as err:
            raise EvaluateError(f'task {task}: {err}') from err
        options.update(saver_opts)
    options.update({'work_dir': str(work_dir), 'mimbench': meta})
    if seed is not None:
        options['randomness.seed'] = seed
    if data_root:
        options.update(data_root_options(task, Path(data_root) / tasks.TASKS[task].data_dir))
    options.update(extra or {})
    body = Config(_nested(options)).pretty_text
    base = template
    if scale == 'smoke':   # the recipe's smoke twin (mimbench.smoke), which this run's file inherits
        from mimbench.smoke import write_smoke_config

        base = write_smoke_config(template, work_dir / f'{task}_smoke.py')
    config = work_dir / f'{task}.py'
    config.write_text(
        f'# Derived by `mimbench evaluate`: task {task}, backbone {backbone}, method {method}, '
        f'scale {scale}' + (f', seed {seed}' if seed is not None else '') + '.\n'
        f'# Re-run by hand: mimbench train {config}\n'
        f'_base_ = [{str(base)!r}]\n\n{body}'
    )
    return TaskRun(task=task, template=template, config=config, work_dir=work_dir, seed=seed,
                   notes=notes)


def check_data(run: TaskRun, device: bool = True) -> None:
    """Fail early, naming the expected files, when a task's dataset root is missing or incomplete, or (with
    ``device``) when its recipe needs a GPU this machine lacks."""
    from mmengine.config import Config

    from mimbench.datasets.checks import DatasetRootError, check_root

    from mimbench.runner import RunnerSetupError, check_device

    cfg = Config.fromfile(str(run.config))
    test_only = bool(cfg.get('test_only'))   # robustness: tests a trained classifier, trains nothing
    try:
        if device and not test_only:
            check_device(cfg)
    except RunnerSetupError as err:
        raise EvaluateError(f'{run.task}: {err}') from err
    root = (cfg.test_dataloader if test_only else cfg.train_dataloader).dataset.get('data_root')
    try:
        check_root(run.task, root, sample=16)  # the same checks as `mimbench data check`, on a sample
    except DatasetRootError as err:
        raise EvaluateError(
            f'{run.task}: {err}\nWith `mimbench evaluate`, --data-root DIR makes every task read '
            'DIR/<task> (e.g. DIR/coco); `mimbench data make --root DIR` writes tiny stand-ins.'
        ) from err


def launch_command(run: TaskRun, launcher: str, gpus: int, partition: str | None) -> list[str]:
    """How ``run`` is started: in this process (shown as the equivalent command), torchrun or srun."""
    from mimbench.train import launch_command as command

    return command(run.config, run.work_dir, launcher, gpus, partition, job_name=f'mimbench-{run.task}')


def run_task(run: TaskRun, launcher: str) -> Path:
    """Train and evaluate one task; return the path of the result record it wrote."""
    before = set(run.results_dir.glob('*.json'))
    if launcher == 'none':
        import mimbench  # noqa: F401
        from mmengine.config import Config

        from mimbench.train import run_config

        run_config(Config.fromfile(str(run.config)), work_dir=str(run.work_dir), resume=True)
    else:
        if launcher == 'slurm' and shutil.which('srun') is None:
            raise EvaluateError(
                '--launcher slurm needs `srun` on PATH (run on a Slurm login node), or use '
                '--dry-run to print the commands'
            )
        subprocess.run(run.command, check=True)
    return _record_written(run, before)


def _record_written(run: TaskRun, before: set[Path]) -> Path:
    new = sorted(set(run.results_dir.glob('*.json')) - before, key=lambda p: p.stat().st_mtime)
    if not new:
        raise RuntimeError(
            f'task {run.task} finished without writing a result record under '
            f'{run.results_dir}; is ResultRecordHook in its config?'
        )
    return new[-1]


def check_method(method: str, new_method: bool = False) -> str:
    """A method id that is safe to put in file names and known to the leaderboards (or declared new).

    ``mae/800ep`` would become a folder in the record's file name; ``maee`` would put a typo on a leaderboard
    row of its own. Unknown ids need ``--new-method`` (your own pre-training method).
    """
    import difflib

    from mimbench.leaderboard.ids import METHODS
    from mimbench.results import id_problem

    problem = id_problem('method', method)
    if problem:
        raise EvaluateError(f'--method: {problem}. Name a variant of a method with its own id '
                            '(e.g. the pre-training epochs are read from the checkpoint, not the method id)')
    if method not in METHODS and method != 'unknown' and not new_method:
        close = difflib.get_close_matches(method, METHODS, n=3)
        hint = f'did you mean {" or ".join(close)}? ' if close else ''
        raise EvaluateError(f'unknown method {method!r}: {hint}known methods: {", ".join(sorted(METHODS))}. '
                            'For a pre-training method of your own, add --new-method to use this id as is')
    return method


def check_scale(backbone: str, scale: str) -> None:
    """Smoke runs build the family's smoke size, full runs a real size: the backbone id must say the same."""
    if is_foreign(backbone):
        return
    smoke_id = backbone.endswith('-smoke')
    if scale == 'full' and smoke_id:
        raise EvaluateError(f'--scale full runs the papers\' recipes at real size, but {backbone!r} is a '
                            'smoke size: use --scale smoke for it, or a real backbone (e.g. vit-b) for '
                            'full runs')
    if scale == 'smoke' and not smoke_id:
        family = backbone.split('-')[0]
        raise EvaluateError(f'--scale smoke builds the smoke size of each family ({family}-smoke), so a '
                            f'{backbone} checkpoint cannot be loaded into it and the record would be '
                            f'mislabelled: pass --scale full for {backbone}, or a {family}-smoke checkpoint')


def plan(args: argparse.Namespace, skipped: list[str] | None = None) -> list[TaskRun]:
    """The derived config and command of every task.

    ``skipped`` (when given) collects the tasks left out of ``--tasks all``, each with its reason: tasks with
    no recipe for this backbone, and test-only tasks without their in1k run. A task asked for by name that
    cannot run is an error instead.
    """
    from mimbench.transfer import tasks

    if getattr(args, 'gpus', 1) < 1:
        raise EvaluateError(f'--gpus {args.gpus}: expected the number of processes per task (1 or more)')
    if args.method:
        check_method(args.method, getattr(args, 'new_method', False))
    if args.checkpoint and args.checkpoint != 'none' and not Path(args.checkpoint).is_file():
        raise EvaluateError(
            f'checkpoint {args.checkpoint!r} does not exist; give the path of a local '
            'checkpoint file (mimbench, mmpretrain, MAE, SimMIM, MixMIM or timm format), '
            'or --checkpoint none for a randomly initialised encoder'
        )
    checkpoint = None if args.checkpoint in (None, 'none') else args.checkpoint
    task_ids = parse_tasks(args.tasks)
    facts = checkpoint_facts(checkpoint)  # the one read of the file while planning
    backbone = resolve_backbone(checkpoint, args.backbone, facts)
    check_scale(backbone, args.scale)
    method = resolve_method(args.method, facts, getattr(args, 'force_method', False))
    labels = provenance_labels(facts)
    protocols = parse_protocols(getattr(args, 'protocols', None) or [], task_ids)
    every = args.tasks in ('all', '') and skipped is not None
    recipes = _fitting_recipes(task_ids, backbone, args.scale, method, facts, protocols,
                               skipped if every else None)
    task_ids = [t for t in task_ids if recipes.get(t, '') is not None]
    root = Path(args.work_dir).resolve()
    seeds = parse_seeds(getattr(args, 'seeds', None))
    runs = []
    for task in sorted(task_ids, key=lambda t: tasks.TASKS[t].evaluates is not None):  # test-only last
        label = foreign_label(backbone) if is_foreign(backbone) else backbone
        protocol = protocols.get(task, 'finetune')
        task_dir = root / f'{method}_{label}' / (task if protocol == 'finetune' else f'{task}-{protocol}')
        for seed in seeds:
            work = task_dir if seed is None else task_dir / f'seed{seed}'
            extra = None
            if (task, protocol) == ('in1k', 'finetune'):   # the robustness tasks load its final checkpoint
                extra = {'default_hooks.checkpoint.save_last': True}
            source = tasks.TASKS[task].evaluates
            if source:
                source_dir = root / f'{method}_{label}' / source
                source_dir = source_dir if seed is None else source_dir / f'seed{seed}'
                try:
                    run = derive_test_config(task, args.scale, work, source_dir, data_root=args.data_root)
                except EvaluateError as err:
                    if args.tasks not in ('all', '') or skipped is None:
                        raise
                    skipped.append(f'{task}: {err}')
                    continue
            else:
                missing = _no_recipe(task, backbone, args.scale, protocol, method)
                if missing and args.tasks in ('all', '') and skipped is not None:
                    skipped.append(f'{task}: {missing}')
                    break  # the same for every seed
                recipe, reason = recipes.get(task), None
                named = tasks.pretraining_recipe_variant(method, task, protocol, labels.get('pretrain'))
                if recipe is None and named and args.scale == 'full' and not is_foreign(backbone):
                    recipe = tasks.task_config(task, backbone, args.scale, protocol, method=method,
                                               variant=named)
                    reason = (f'pre-training recipe {labels["pretrain"].get("recipe") or "?"} (variant '
                              f'{labels.get("variant") or "none"}) is fine-tuned with the {named!r} recipe, '
                              f'{Path(recipe).name}, as its paper did')
                run = derive_config(
                    task, backbone, checkpoint, method, args.scale, work, work / 'results',
                    data_root=args.data_root, seed=seed, extra=extra, protocol=protocol, labels=labels,
                    recipe=recipe, recipe_reason=reason, savers=_savers(args),
                )
            run.command = launch_command(run, args.launcher, args.gpus, args.partition)
            runs.append(run)
    return runs


def _no_recipe(task: str, backbone: str, scale: str, protocol: str, method: str) -> str | None:
    """Why no recipe transfers ``backbone`` to ``task`` (``--tasks all`` skips such tasks), else None."""
    from mimbench.transfer import tasks

    if is_foreign(backbone):
        return None
    try:
        tasks.task_config(task, backbone, scale, protocol, method=method)
    except tasks.NoRecipeError as err:
        return str(err).split('. Add one under')[0]
    except ValueError:
        return None  # another problem: derive_config reports it
    return None


def parse_seeds(text: str | None) -> list[int | None]:
    """``'0,1,2'`` -> ``[0, 1, 2]``; None or '' -> ``[None]`` (one run with the config's seed)."""
    if not text:
        return [None]
    try:
        seeds = [int(t) for t in text.split(',') if t.strip()]
    except ValueError:
        seeds = []
    if not seeds or any(s < 0 for s in seeds) or len(set(seeds)) != len(seeds):
        raise EvaluateError(f'--seeds {text!r}: expected distinct non-negative integers separated by commas, '
                            'e.g. --seeds 0,1,2')
    return seeds


def _processes(args: argparse.Namespace) -> int:
    return 1 if args.launcher == 'none' else args.gpus


def _savers(args: argparse.Namespace) -> dict:
    """The memory-saver choices of the command line (mimbench.transfer.memory_savers.saver_options)."""
    accumulate = getattr(args, 'accumulate', 'auto')
    if accumulate != 'auto' and not (str(accumulate).isdigit() and int(accumulate) >= 1):
        raise EvaluateError(f"--accumulate takes a whole number >= 1 or 'auto', got {accumulate!r}")
    return dict(processes=_processes(args), accumulate=accumulate,
                checkpointing=getattr(args, 'activation_checkpointing', False),
                auto_scale_lr=getattr(args, 'auto_scale_lr', False))


def _print_estimates(run: TaskRun, args: argparse.Namespace) -> None:
    """Expected peak memory per device and device-hours of ``run`` (benchmarks/transfer_step.py results)."""
    from mimbench.transfer.estimates import describe
    from mimbench.transfer.tasks import TASKS

    template = None if is_foreign(args.backbone or '') else run.template
    trains = args.scale != 'smoke' and not TASKS[run.task].evaluates   # smoke runs and test-only tasks: no
    estimates = describe(template, getattr(args, 'activation_checkpointing', False),
                         _processes(args)) if trains else []
    for line in run.notes + estimates:
        print(f'# {line}')


def derive_test_config(task: str, scale: str, work_dir: Path, source_dir: Path,
                       data_root: str | None = None) -> TaskRun:
    """Write ``work_dir/<task>.py`` for a test-only task (robustness, mae.txt Appendix C): the derived config
    of the run it evaluates (this encoder's in1k fine-tuning in ``source_dir``, same seed: the same model,
    recipe and record labels) with the task's test set (``configs/_base_/datasets/robustness/``) and that
    run's final checkpoint as ``load_from``. Raises EvaluateError when there is no such run."""
    from mmengine.config import Config

    from mimbench.datasets.overrides import data_root_options
    from mimbench.transfer import tasks

    source = tasks.TASKS[task].evaluates
    trained = source_dir / f'{source}.py'
    if not trained.is_file():
        raise EvaluateError(f'{task} evaluates the {source} fine-tuned model of this encoder, but there is '
                            f'no {source} fine-tuning run in {source_dir}; add {source} to --tasks with '
                            'its default protocol, finetune (it runs first)')
    if scale == 'smoke':   # the test set of the task's recipe shrunk by mimbench.smoke (data only: any family)
        from mimbench.smoke import load_smoke

        twin = load_smoke(tasks.task_config(task, 'vit-smoke', 'smoke'))
        test_set, dataset, evaluator = Path(twin.filename), twin.test_dataloader.dataset, twin.test_evaluator
    else:
        name = task.replace('-', '_')
        test_set = tasks.CONFIG_ROOT.parent / '_base_' / 'datasets' / 'robustness' / f'{name}.py'
        data = Config.fromfile(str(test_set))
        dataset, evaluator = data.robustness_dataset, data.robustness_evaluator
    options = {'test_only': True, 'test_dataloader.dataset': dict(dataset.to_dict(), _delete_=True),
               'test_evaluator': dict(evaluator.to_dict(), _delete_=True),
               'load_from': str(_final_checkpoint(trained)), 'work_dir': str(work_dir),
               'mimbench.task': task, 'mimbench.results_dir': str(work_dir / 'results')}
    if data_root:
        options.update(data_root_options(task, Path(data_root) / tasks.TASKS[task].data_dir))
    work_dir.mkdir(parents=True, exist_ok=True)
    config = work_dir / f'{task}.py'
    config.write_text(
        f'# Derived by `mimbench evaluate`: task {task} (test only) of the {source} classifier of {trained}, '
        f'test set {test_set}.\n# Re-run by hand: mimbench train {config}\n'
        f'_base_ = [{str(trained)!r}]\n\n{Config(_nested(options)).pretty_text}')
    return TaskRun(task=task, template=test_set, config=config, work_dir=work_dir)


def _final_checkpoint(config: Path) -> Path:
    """The checkpoint a derived config's run ends with (mmengine's CheckpointHook names it by the loop)."""
    from mmengine.config import Config

    cfg = Config.fromfile(str(config))
    loop, hook = cfg.train_cfg, cfg.default_hooks.get('checkpoint') or {}
    if 'max_iters' in loop:
        name = f'iter_{loop.max_iters}.pth'
    elif hook.get('by_epoch', True):
        name = f'epoch_{loop.max_epochs}.pth'
    else:
        raise EvaluateError(f'{config}: cannot tell the name of its final checkpoint (epoch-based training, '
                            'iteration-based checkpoints); set default_hooks.checkpoint.by_epoch=True')
    return Path(cfg.work_dir) / name


def _fitting_recipes(task_ids: list[str], backbone: str, scale: str, method: str, facts,
                     protocols: dict[str, str], skipped: list[str] | None = None) -> dict:
    """``{task: template}`` where a task must use another recipe than the method's own for its protocol: the
    backbone's default one, when only it builds an encoder the checkpoint fits (a SimMIM ViT-B in ViT's
    layout, as mimbench wrote before it built the release's encoder, while SimMIM's release recipe builds
    BEiT's). Tasks with no recipe the checkpoint fits (SimMIM's ViT-B in BEiT's layout has only its ImageNet
    recipes) are refused here, before anything is written or trained; with ``skipped`` (``--tasks all``)
    they map to None instead and ``skipped`` says why."""
    if facts is None or is_foreign(backbone):
        return {}
    from mimbench.checkpoints.facts import fitting_recipe
    from mimbench.transfer import tasks

    chosen, unfit = {}, {}
    for task in task_ids:
        if tasks.TASKS[task].evaluates:
            continue  # test-only tasks reuse the in1k run's model
        protocol = protocols.get(task, 'finetune')
        try:
            path, problem = fitting_recipe(facts, task, backbone, scale, method, protocol)
            own = tasks.task_config(task, backbone, scale, protocol, method=method)
        except ValueError:
            continue  # derive_config says what is missing
        if problem:
            unfit[task] = problem
        elif path != own:
            chosen[task] = path
    if unfit and skipped is not None:
        for task, problem in unfit.items():
            skipped.append(f'{task}: checkpoint {facts.path}: {problem}')
            chosen[task] = None
    elif unfit:
        fit = [task for task in task_ids if task not in unfit and not tasks.TASKS[task].evaluates]
        raise EvaluateError(
            f'checkpoint {facts.path}: {next(iter(unfit.values()))}, so there is no recipe for it for '
            f'task(s) {", ".join(unfit)}. '
            + (f'Run the tasks that have one: --tasks {",".join(fit)}' if fit else
               'None of the requested tasks has a recipe for it')
            + ' (`mimbench inspect CKPT` lists the recipe of every task)'
        )
    return chosen


def run_tasks(runs: list[TaskRun], launcher: str, console, label: str = '', advance=None) -> list[str]:
    """Run every unfinished task of ``runs`` in order; return the ids of those that failed.

    One failing task does not stop the others; an :class:`EvaluateError` (a bad input) does. ``label``
    prefixes the progress lines, ``advance()`` is called after each task (a progress bar).
    """
    failures = []
    for i, run in enumerate(runs, 1):
        head = f'[{i}/{len(runs)}] {label}{run.task}' + (f' seed {run.seed}' if run.seed is not None else '')
        run.remove_stale_writes()
        done = run.record()
        if done is not None:
            console.print(f'{head}: finished earlier, skipped ({done})')
        else:
            console.print(f'{head}: training {run.config}')
            start = time.time()
            try:
                record = run_task(run, launcher)
                console.print(f'{head}: done in {time.time() - start:.0f}s, record {record}')
            except EvaluateError:
                raise
            except Exception as err:  # noqa: BLE001 - one failing task must not stop the suite
                failures.append(run.task if run.seed is None else f'{run.task} (seed {run.seed})')
                console.print(f'[red]{head} failed: {type(err).__name__}: {err}[/red]')
                console.print(f'  (log in {run.work_dir})')
        if advance is not None:
            advance()
    return failures


def evaluate(args: argparse.Namespace) -> int:
    from rich.console import Console

    console = Console(stderr=True, soft_wrap=True)
    skipped: list[str] = []
    try:
        runs = _without_absent_test_sets(plan(args, skipped), args.tasks, skipped)
    except EvaluateError as err:
        console.print(f'[red]mimbench evaluate: {err}[/red]')
        return 2
    for line in skipped:
        console.print(f'[yellow]skipped {line}[/yellow]')
    if args.dry_run:
        for run in runs:
            print(
                f'# === {run.task}: {run.config}'
                + (' (finished, would be skipped)' if run.finished() else '')
            )
            print(run.config.read_text())
            print(shlex.join(run.command))
            _print_estimates(run, args)
            print()
        return 0
    try:
        for run in runs:
            if not run.finished() and args.launcher == 'none':
                check_data(run)
            elif not run.finished():
                check_data(run, device=False)  # the launcher's nodes have the GPUs this one may lack
    except EvaluateError as err:
        console.print(f'[red]mimbench evaluate: {err}[/red]')
        return 2
    for run in runs:
        for note in run.notes:
            console.print(f'{run.task}: {note}')
    try:
        failures = run_tasks(runs, args.launcher, console)
    except EvaluateError as err:
        console.print(f'[red]mimbench evaluate: {err}[/red]')
        return 2
    console.print(f'records: {Path(args.work_dir).resolve()}/**/results/*.json')
    board = Path(args.leaderboard_dir or Path(args.work_dir) / 'leaderboards')
    try:
        written = _leaderboards(Path(args.work_dir), board)
    except Exception as err:  # noqa: BLE001 - the records are safe; say why the tables are not
        console.print(f'[red]leaderboards not regenerated: {type(err).__name__}: {err}[/red]')
        return 1
    console.print(
        f'leaderboards: {board.resolve()} ({len(written)} files; start with {board / "index.md"})'
    )
    if failures:
        console.print(
            f'[red]{len(failures)} task(s) failed: {", ".join(failures)}; finished tasks are kept, '
            're-run the same command to retry only these[/red]'
        )
        return 1
    return 0


def _without_absent_test_sets(runs: list[TaskRun], task_arg: str, skipped: list[str]) -> list[TaskRun]:
    """With ``--tasks all``, drop the test-only tasks (robustness) whose dataset root does not exist: they
    are optional downloads. A root that exists is checked as any other (``check_data``)."""
    from mmengine.config import Config

    if task_arg not in ('all', ''):
        return runs
    kept = []
    for run in runs:
        cfg = Config.fromfile(str(run.config))
        root = cfg.test_dataloader.dataset.get('data_root') if cfg.get('test_only') else None
        if root and not Path(root).is_dir() and not run.finished():
            skipped.append(f'{run.task}: no dataset at {root} (`mimbench data check --task {run.task} '
                           '--root DIR`, then --data-root)')
            continue
        kept.append(run)
    return kept


def _leaderboards(work_dir: Path, out: Path) -> dict:
    from mimbench.leaderboard import build_leaderboards

    dirs = sorted({p.parent for p in work_dir.resolve().glob('**/results/*.json')})
    return build_leaderboards(dirs, out)


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1 (``--gpus 0`` and ``--gpus -2`` are refused with a message)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected a whole number of processes, got {text!r}') from None
    if value < 1:
        raise argparse.ArgumentTypeError(f'expected 1 or more processes, got {value}')
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        '--checkpoint', help="encoder checkpoint (any supported format), or 'none' for random init"
    )
    parser.add_argument('--backbone', help='backbone id (detected from the checkpoint if omitted)')
    parser.add_argument(
        '--method',
        help='pre-training method id for the records (read from the checkpoint if omitted: mimbench '
        "provenance, a release's stored config or its keys; 'random' without a checkpoint)",
    )
    parser.add_argument('--new-method', action='store_true',
                        help='accept a --method id that is not one of the known methods (your own method)')
    parser.add_argument('--force-method', action='store_true',
                        help='label the records with --method even where the checkpoint says otherwise')
    parser.add_argument('--tasks', default='all', help='comma-separated task ids, or all')
    parser.add_argument(
        '--protocols', nargs='+', metavar='TASK=PROTOCOL',
        help='evaluation protocol per task (default finetune), e.g. in1k=linear (mae.txt Table 10) or '
        'in1k=linear-block (simmim.txt Sec. 4.2: the ViT block chosen on held-out training data)',
    )
    parser.add_argument('--scale', choices=['smoke', 'full'], default='full')
    parser.add_argument('--seeds', help='comma-separated seeds, one run of every task per seed (e.g. 0,1,2); '
                        "default: one run with the config's seed")
    parser.add_argument('--data-root', help="root holding the datasets (default: the configs' data roots)")
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm'], default='none')
    parser.add_argument('--gpus', type=positive_int, default=1,
                        help='processes per task under torchrun/Slurm')
    parser.add_argument('--partition', help='Slurm partition')
    parser.add_argument('--work-dir', default='work_dirs/evaluate')
    parser.add_argument('--leaderboard-dir', default=None,
                        help='where the leaderboards are written (default: WORK_DIR/leaderboards)')
    parser.add_argument(
        '--dry-run',
        action='store_true',
        help='write and print the per-task configs and commands, and the expected peak memory per device '
        'and device-hours of each (benchmarks/results), run nothing',
    )
    parser.add_argument(
        '--activation-checkpointing',
        action='store_true',
        help="recompute each backbone block in the backward pass: less memory per device, about a third "
        'more compute, same gradients',
    )
    parser.add_argument(
        '--accumulate',
        default='auto',
        metavar='N|auto',
        help="micro-batches per optimizer step. auto (full scale): the recipe's device count / the "
        'processes launched (1 without a launcher, else --gpus), so fewer devices keep the total batch',
    )
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='instead of accumulating: train at the launched total batch with the lr scaled linearly '
        "(mmengine auto_scale_lr; changes the recipe's batch)",
    )


def register(subparsers) -> None:
    parser = subparsers.add_parser('evaluate', help='fine-tune and evaluate an encoder on every task')
    add_arguments(parser)
    parser.set_defaults(func=evaluate)
