"""mimbench's registries: children of mmengine's root registries under the scope ``mimbench``.

Being children of the root (as mmdet's, mmseg's and mmpretrain's registries are), every module registered
here is reachable from any OpenMMLab config as ``type='mimbench.Name'``, whatever the runner's
``default_scope``; ``import mimbench`` (or ``custom_imports=dict(imports=['mimbench'])``) registers them.
Sub-modules built *from* mimbench modules must name their toolbox explicitly
(``type='mmpretrain.VisionTransformer'``): the three toolboxes register clashing names
(VisionTransformer, SwinTransformer, MAE, FPN, ResNet, ...), so an unscoped name is a bug waiting to happen.
"""
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import Registry

MODELS = Registry('model', parent=MMENGINE_MODELS, scope='mimbench', locations=['mimbench.models'])
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, scope='mimbench', locations=['mimbench.datasets'])
TRANSFORMS = Registry('transform', parent=MMENGINE_TRANSFORMS, scope='mimbench',
                      locations=['mimbench.datasets'])
METRICS = Registry('metric', parent=MMENGINE_METRICS, scope='mimbench', locations=['mimbench.transfer'])
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, scope='mimbench', locations=['mimbench.transfer'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry('optimizer wrapper constructor',
                                      parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, scope='mimbench',
                                      locations=['mimbench.transfer'])
OPTIMIZERS = Registry('optimizer', parent=MMENGINE_OPTIMIZERS, scope='mimbench',
                      locations=['mimbench.transfer'])
