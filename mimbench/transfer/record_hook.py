"""``mimbench.ResultRecordHook``: turn a transfer run's evaluations into one :class:`ResultRecord`.

Every transfer config (mmdet, mmseg, mmpretrain) adds this hook and a top-level dict naming the run::

    custom_hooks = [dict(type='mimbench.ResultRecordHook')]
    mimbench = dict(task='coco', method='mae', backbone='vit-b', scale='full',
                    results_dir=None,   # default <work_dir>/results
                    checkpoint=None,    # default model.backbone.init_cfg.checkpoint
                    protocol='finetune' | 'linear' | 'partial', layer_decay_rule=None, note='',
                    variant=None,       # a named non-default recipe, e.g. CiM's 'linear-160k' head
                    resolution=None,    # fine-tuning input size when not the task's default
                    recipe=None)        # the paper recipe used, e.g. 'mae.txt Table 9'

The hook collects every validation (``history``), and after training writes the record of the *final*
evaluation as ``metrics`` and the best value of each metric over all evaluations as ``best_metrics``
(labelled separately: the papers report the final one). A stand-alone test run writes a record of its
test metrics. Toolbox metric names are mapped to mimbench ids in percent (:data:`METRIC_IDS`).
"""
from __future__ import annotations

import os.path as osp
import pprint
from typing import Any

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log

from mimbench.registry import HOOKS
from mimbench.results import ResultRecord, write_record

# toolbox metric name -> (mimbench metric id, factor to percent)
METRIC_IDS = {
    'coco/bbox_mAP': ('ap_box', 100.0),   # mmdet CocoMetric reports AP in [0, 1]
    'coco/segm_mAP': ('ap_mask', 100.0),
    'mIoU': ('miou', 1.0),                # mmseg IoUMetric reports percent
    'accuracy/top1': ('top1', 1.0),       # mmpretrain Accuracy reports percent
}
PROTOCOLS = ('finetune', 'linear', 'partial')
RECORD_FIELDS = ('task', 'method', 'backbone', 'scale', 'results_dir', 'checkpoint', 'protocol',
                 'layer_decay_rule', 'note', 'pretrain', 'variant', 'resolution', 'recipe')


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
    """Best value of each metric over ``history`` (all mimbench metrics are higher-is-better)."""
    best: dict[str, float] = {}
    for entry in history:
        for key, value in entry['metrics'].items():
            best[key] = max(best.get(key, value), value)
    return best


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
        self._fields(runner)  # fail at start, not after hours of training

    def before_train(self, runner) -> None:
        """After weights are initialised: the record's method must agree with what was loaded.

        A run labelled with a pre-training method whose encoder was not loaded through ``mimbench.Pretrained``
        would put random-init numbers on the leaderboard under that method's name (issue 6's worst bug).
        """
        fields = self._fields(runner)
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

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if not runner.cfg.get('resume', False):
            return  # load_from another run's weights: its evaluations are not this run's
        history = (checkpoint.get('meta') or {}).get('mimbench_record_history')
        if isinstance(history, list):
            self.history = [h for h in history if isinstance(h, dict) and isinstance(h.get('metrics'), dict)]

    def after_val_epoch(self, runner, metrics: dict[str, float] | None = None) -> None:
        if not metrics:
            return
        protocol = self._fields(runner)['protocol']
        mapped = map_metrics(metrics, protocol)
        self.history.append(dict(step=runner.iter, epoch=runner.epoch, metrics=mapped))

    def after_train(self, runner) -> None:
        if (not self.history or self.history[-1]['step'] != runner.iter) and self._can_validate(runner):
            # a run resumed from its last checkpoint after being killed during (or after) the final
            # evaluation: the checkpoint predates that evaluation, so run it again rather than lose the record
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
            protocol = self._fields(runner)['protocol']
            wrappers = (runner.model, getattr(runner.model, 'module', None))   # DDP and TTA models wrap
            tta = any(type(m).__name__.endswith('TTAModel') for m in wrappers)  # e.g. mmseg --tta
            self._write(runner, map_metrics(metrics, protocol), None,
                        note='test run' + (' (test-time augmentation)' if tta else ''))

    def _write(self, runner, metrics: dict[str, float], best: dict[str, float] | None,
               note: str = '') -> None:
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
            recipe=fields.get('recipe') or None)
        results_dir = fields.get('results_dir') or osp.join(runner.work_dir, 'results')
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
