"""``mimbench.ResultRecordHook``: turn a transfer run's evaluations into one :class:`ResultRecord`.

Every transfer config (mmdet, mmseg, mmpretrain) adds this hook and a top-level dict naming the run::

    custom_hooks = [dict(type='mimbench.ResultRecordHook')]
    mimbench = dict(task='coco', method='mae', backbone='vit-b', scale='full',
                    results_dir=None,   # default <work_dir>/results
                    checkpoint=None,    # default model.backbone.init_cfg.checkpoint
                    protocol='finetune' | 'linear' | 'partial', layer_decay_rule=None, note='',
                    variant=None,       # a named non-default recipe, e.g. CiM's 'linear-160k' head
                    resolution=None,    # fine-tuning input size when not the task's default
                    recipe=None,        # the paper recipe used, e.g. 'mae.txt Table 9'
                    probe=None)         # intermediate-layer probing protocol (mimbench.transfer.layer_probe)

The hook collects every validation (``history``), and after training writes the record of the *final*
evaluation as ``metrics`` and the best value of each metric over all evaluations as ``best_metrics``
(labelled separately: the papers report the final one). A stand-alone test run writes a record of its
test metrics. Toolbox metric names are mapped to mimbench ids in percent (:data:`METRIC_IDS`).

With the record the hook writes the per-image outcomes of that evaluation as a sidecar
(:mod:`mimbench.samples`, referenced by the record's ``samples``) and what the run cost (:mod:`mimbench.cost`,
the record's ``cost``; its totals travel in checkpoints so a resumed run counts all of it).
"""
from __future__ import annotations

import os.path as osp
import uuid
import pprint
from typing import Any

from mmengine.dist import all_gather_object, get_world_size, is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log

from mimbench.cost import CHECKPOINT_KEY, CostMeter, batch_size, peak_memory_mb, pretrain_cost
from mimbench.registry import HOOKS
from mimbench.samples.capture import OutcomeCapture
from mimbench.results import ResultRecord, best_value, write_record

# toolbox metric name -> (mimbench metric id, factor to percent)
METRIC_IDS = {
    'coco/bbox_mAP': ('ap_box', 100.0),   # mmdet CocoMetric reports AP in [0, 1]
    'coco/segm_mAP': ('ap_mask', 100.0),
    'mIoU': ('miou', 1.0),                # mmseg IoUMetric reports percent
    'accuracy/top1': ('top1', 1.0),       # mmpretrain Accuracy reports percent
    'corruption/mCE': ('mce', 1.0),       # mimbench.MeanCorruptionError reports percent (lower is better)
}
PROTOCOLS = ('finetune', 'linear', 'partial')
RECORD_FIELDS = ('task', 'method', 'backbone', 'scale', 'results_dir', 'checkpoint', 'protocol',
                 'layer_decay_rule', 'note', 'pretrain', 'variant', 'resolution', 'recipe', 'probe')


def map_metrics(metrics: dict[str, Any], protocol: str = 'finetune') -> dict[str, float]:
    """Toolbox metrics -> ``{mimbench id: percent}``; linear probing reports top-1 as ``linear``.

    Raises ValueError when none of :data:`METRIC_IDS` is present (the evaluator is not one mimbench reads).
    """
    out = {}
    for name, value in metrics.items():
        if name in METRIC_IDS:
            key, factor = METRIC_IDS[name]
            if key == 'top1' and protocol == 'linear':
                key = 'linear'
            out[key] = round(float(value) * factor, 4)
    if not out:
        raise ValueError(f'no metric mimbench records among {sorted(metrics)}; expected one of '
                         f'{", ".join(METRIC_IDS)} (mmdet CocoMetric, mmseg IoUMetric, mmpretrain Accuracy)')
    return out


def best_of(history: list[dict[str, Any]]) -> dict[str, float]:
    """Best value of each metric over ``history`` (the minimum for ``results.LOWER_IS_BETTER`` metrics)."""
    best: dict[str, float] = {}
    for entry in history:
        for key, value in entry['metrics'].items():
            best[key] = best_value(key, (best.get(key, value), value))
    return best


def _plain(value) -> dict:
    """A config dict (mmengine ConfigDict, nested) as plain dicts for the JSON record; None -> {}."""
    return value.to_dict() if hasattr(value, 'to_dict') else dict(value or {})


def _loaded_checkpoint(model) -> tuple[str | None, str | None]:
    """(path, sha256) of the checkpoint ``mimbench.Pretrained`` actually loaded into ``model``, if any."""
    for module in model.modules():
        report = getattr(module, 'mimbench_load_report', None)
        if report is not None:
            return report.checkpoint, report.sha256
    return None, None


@HOOKS.register_module()
class ResultRecordHook(Hook):
    """Collect every evaluation; after the final one write a result record (module docstring).

    Args:
        **fields: override any key of the config's top-level ``mimbench`` dict (task, method, backbone,
            scale, results_dir, checkpoint, protocol, layer_decay_rule, note, pretrain).
    """

    priority = 'LOW'

    def __init__(self, **fields):
        unknown = sorted(set(fields) - set(RECORD_FIELDS))
        if unknown:
            raise TypeError(f'ResultRecordHook got unknown field(s) {unknown}; '
                            f'expected {", ".join(RECORD_FIELDS)}')
        self.overrides = fields
        self.history: list[dict[str, Any]] = []
        self.cost = CostMeter()
        self.capture: OutcomeCapture | None = None
        self.outcomes = None   # per-image outcomes of the last evaluation (main process only)
        self.evaluated = False  # an evaluation ran in this process (on every rank alike)
        self.written: list[str] = []

    def _fields(self, runner) -> dict[str, Any]:
        fields = dict(runner.cfg.get('mimbench', None) or {})
        fields.update(self.overrides)
        missing = [k for k in ('task', 'method', 'backbone') if not fields.get(k)]
        if missing:
            raise ValueError(
                f'ResultRecordHook needs {", ".join(missing)} to label the result record; found '
                f'mimbench={fields!r} in the config. Add a top-level dict, e.g. mimbench = dict(task="coco", '
                'method="mae", backbone="vit-b", scale="full"), or pass them to the hook.')
        protocol = fields.get('protocol') or 'finetune'
        if protocol not in PROTOCOLS:
            raise ValueError(f'mimbench.protocol is {protocol!r}; expected one of {", ".join(PROTOCOLS)}')
        fields['protocol'] = protocol
        return fields

    def before_run(self, runner) -> None:
        fields = self._fields(runner)  # fail at start, not after hours of training
        self.cost = CostMeter()
        self.capture = OutcomeCapture({'linear': 'top1'} if fields['protocol'] == 'linear' else None)

    def _attach(self, loop) -> None:
        if self.capture is not None and getattr(loop, 'evaluator', None) is not None:
            self.capture.attach(loop.evaluator, getattr(loop.dataloader, 'dataset', None))

    def before_val_epoch(self, runner) -> None:
        self._attach(runner.val_loop)

    def before_test_epoch(self, runner) -> None:
        self._attach(runner.test_loop)

    def before_val(self, runner) -> None:
        self.cost.validation_started()

    def after_val(self, runner) -> None:
        self.cost.validation_done()

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self.cost.iteration_done(batch_size(data_batch) * get_world_size())

    def before_train(self, runner) -> None:
        """After weights are initialised: the record's method must agree with what was loaded.

        A run labelled with a pre-training method whose encoder was not loaded through ``mimbench.Pretrained``
        would put random-init numbers on the leaderboard under that method's name (issue 6's worst bug).
        """
        fields = self._fields(runner)
        self.cost.start_training()
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        loaded, _ = _loaded_checkpoint(model)
        has_report = any(getattr(m, 'mimbench_load_report', None) is not None for m in model.modules())
        if fields['method'] == 'random' and has_report:
            raise ValueError(f'mimbench.method is "random" but checkpoint {loaded} was loaded into the '
                             'encoder; set mimbench.method to the pre-training method (e.g. --cfg-options '
                             'mimbench.method=mae)')
        self._check_backbone(fields, model)
        if fields['method'] != 'random' and not has_report:
            raise ValueError(f'mimbench.method is {fields["method"]!r} but no checkpoint was loaded into the '
                             'encoder (model.backbone.init_cfg is not mimbench.Pretrained with a '
                             'checkpoint); pass --cfg-options model.backbone.init_cfg.checkpoint=PATH, or '
                             'set mimbench.method=random for a randomly initialised encoder')

    @staticmethod
    def _check_backbone(fields: dict[str, Any], model) -> None:
        """The record's backbone must be the one built (issue 10: a vit-smoke model recorded as vit-l)."""
        from mimbench.checkpoints.identify import backbone_id_of_model

        try:
            built = backbone_id_of_model(model)
        except (TypeError, ValueError, KeyError):
            return  # a foreign or unlisted backbone: its label is the user's spec, nothing to compare
        if built != fields['backbone']:
            raise ValueError(f'mimbench.backbone is {fields["backbone"]!r} but the model built holds a {built} '
                             f'encoder; the record would be mislabelled. Use the config for {fields["backbone"]} '
                             f'(or set mimbench.backbone={built} if {built} is what you meant to train)')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the evaluations so far in the checkpoint (plain data), so a resumed run's record has them."""
        checkpoint.setdefault('meta', {})['mimbench_record_history'] = [
            dict(step=int(h['step']), epoch=int(h['epoch']), metrics=dict(h['metrics'])) for h in self.history]
        checkpoint['meta'][CHECKPOINT_KEY] = self.cost.state()   # what the run cost so far

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if not runner.cfg.get('resume', False):
            return  # load_from another run's weights: its evaluations (and cost) are not this run's
        history = (checkpoint.get('meta') or {}).get('mimbench_record_history')
        if isinstance(history, list):
            self.history = [h for h in history if isinstance(h, dict) and isinstance(h.get('metrics'), dict)]
        self.cost.restore((checkpoint.get('meta') or {}).get(CHECKPOINT_KEY))

    def after_val_epoch(self, runner, metrics: dict[str, float] | None = None) -> None:
        if not metrics:
            return
        protocol = self._fields(runner)['protocol']
        mapped = map_metrics(metrics, protocol)
        if self.history and self.history[-1]['step'] == runner.iter:
            self.history.pop()   # the final evaluation, re-run after a resume for its per-image outcomes
        self.history.append(dict(step=runner.iter, epoch=runner.epoch, metrics=mapped))
        self.outcomes = self.capture.latest if self.capture is not None else None
        self.evaluated = True

    def after_train(self, runner) -> None:
        if (not self.history or self.history[-1]['step'] != runner.iter or not self.evaluated) \
                and self._can_validate(runner):
            # a run resumed from its last checkpoint after being killed during (or after) the final
            # evaluation: the checkpoint predates that evaluation (or this process has not seen its per-image
            # outcomes), so run it again rather than lose the record or its sidecar
            runner.val_loop.run()
        if not self.history:
            print_log('ResultRecordHook: training ended without any evaluation; no record written '
                      '(set val_interval so that the last iteration/epoch is evaluated)', logger='current',
                      level=30)
            return
        self._write(runner, self.history[-1]['metrics'], best_of(self.history))

    @staticmethod
    def _can_validate(runner) -> bool:
        try:
            return runner.val_loop is not None and runner.val_dataloader is not None
        except Exception:  # noqa: BLE001 - mmengine raises when no val loop is configured
            return False

    def after_test_epoch(self, runner, metrics: dict[str, float] | None = None) -> None:
        if metrics:
            self.outcomes = self.capture.latest if self.capture is not None else None
            protocol = self._fields(runner)['protocol']
            wrappers = (runner.model, getattr(runner.model, 'module', None))   # DDP and TTA models wrap
            tta = any(type(m).__name__.endswith('TTAModel') for m in wrappers)  # e.g. mmseg --tta
            loaded = runner.cfg.get('load_from')   # a test-only run (robustness) names the model it tested
            self._write(runner, map_metrics(metrics, protocol), None,
                        note='test run' + (' (test-time augmentation)' if tta else '')
                        + (f' of {loaded}' if loaded else ''))

    def _write(self, runner, metrics: dict[str, float], best: dict[str, float] | None,
               note: str = '') -> None:
        peak = max(all_gather_object(peak_memory_mb()))   # every process takes part, only the main one writes
        if not is_main_process():
            return
        fields = self._fields(runner)
        cfg = runner.cfg
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        loaded_path, sha = _loaded_checkpoint(model)
        checkpoint = fields.get('checkpoint') or loaded_path
        if checkpoint is None:
            init_cfg = (cfg.get('model', {}).get('backbone', None) or {}).get('init_cfg', None) or {}
            checkpoint = init_cfg.get('checkpoint') if isinstance(init_cfg, dict) else None
        if checkpoint and sha is None and osp.isfile(checkpoint):
            from mimbench.checkpoints import checkpoint_sha256
            sha = checkpoint_sha256(checkpoint)
        train_cfg = cfg.get('train_cfg', None) or {}
        epochs = train_cfg.get('max_epochs') if train_cfg.get('by_epoch', 'max_epochs' in train_cfg) else None
        resolved = pprint.pformat(cfg.to_dict(), width=110, sort_dicts=False)  # pretty_text (yapf) is slow
        notes = [n for n in (fields.get('note', ''), f'protocol={fields["protocol"]}'
                             if fields['protocol'] != 'finetune' else '', note) if n]
        record = ResultRecord(
            task=fields['task'], method=fields['method'], backbone=fields['backbone'], metrics=metrics,
            best_metrics=best, history=list(self.history), scale=fields.get('scale') or 'full',
            seed=int(runner.seed) if runner.seed is not None else 0, epochs=epochs, iters=runner.iter,
            checkpoint=str(checkpoint) if checkpoint else None, checkpoint_sha256=sha,
            config=cfg.filename, resolved_config=resolved, layer_decay_rule=self._rule(fields, runner),
            pretrain=dict(fields.get('pretrain') or {}), note='; '.join(notes),
            variant=fields.get('variant') or None, resolution=fields.get('resolution') or None,
            recipe=fields.get('recipe') or None, probe=_plain(fields.get('probe')),
            cost=self.cost.summary(get_world_size(), peak, pretrain_cost(checkpoint, fields.get('pretrain'))))
        results_dir = fields.get('results_dir') or osp.join(runner.work_dir, 'results')
        if self.outcomes is not None:
            from mimbench.samples import write_sidecar
            stem = (f'{record.task}__{record.method}__{record.backbone}__seed{record.seed}__'
                    f'{uuid.uuid4().hex[:12]}')
            record.samples = write_sidecar(self.outcomes, results_dir, stem)
        path = write_record(record, results_dir)
        self.written.append(str(path))
        print_log(f'ResultRecordHook: wrote {path} ({record.task} {record.method} {record.backbone}: '
                  f'{metrics})', logger='current')

    @staticmethod
    def _rule(fields: dict[str, Any], runner) -> str | None:
        """The layer-decay rule: named in ``mimbench``, else the one the optimizer was built with."""
        if fields.get('layer_decay_rule'):
            return fields['layer_decay_rule']
        rule = getattr(getattr(runner, 'optim_wrapper', None), 'layer_decay_rule', None)
        if rule:
            return rule
        from mimbench.transfer.layer_decay import layer_decay_rule_of
        try:
            return layer_decay_rule_of(runner.cfg)
        except ValueError:  # a test run (e.g. mmseg --tta wraps the model) does not say how it was trained
            return None
