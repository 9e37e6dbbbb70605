"""mimbench.transfer"""
from mimbench.transfer import coco_metric  # noqa: F401
from mimbench import checkpoints  # noqa: F401,E402  (registers init_cfg type mimbench.Pretrained)
from mimbench.transfer import lars, layer_decay  # noqa: F401,E402  (mimbench.LARS, layer-decay constructor)
from mimbench.transfer import record_hook, tasks  # noqa: F401,E402  (mimbench.ResultRecordHook, task table)
from mimbench.transfer import layer_probe, robustness_metrics  # noqa: F401,E402  (probe model, mCE)
