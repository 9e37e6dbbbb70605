"""Every pre-training recipe under configs/pretrain/ builds; its smoke twin (mimbench.smoke) trains with
mmengine's Runner on generated images and writes a checkpoint whose ``backbone.`` part is the encoder
(transfer contract)."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.model import BaseModel

import mimbench  # noqa: F401
from mimbench.models.complexity import build_without_init
from mimbench.smoke import ITERS, load_smoke

ROOT = Path(__file__).resolve().parents[1]
# the paper recipes; test_pretrain_ablations.py tests the ablation configs (configs/pretrain/*/ablation/)
CONFIGS = sorted(p for p in (ROOT / 'configs' / 'pretrain').rglob('*.py') if 'ablation' not in p.parts)


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT / 'configs' / 'pretrain'))


@pytest.fixture(scope='module')
def image_root(tmp_path_factory):
    """A tiny ImageNet-style folder (8 training images: the 2 smoke iterations of batch 4)."""
    from mimbench.datasets.synthetic import make_imagenet
    return make_imagenet(tmp_path_factory.mktemp('pretrain_images'), num_classes=2, images_per_class=4)


def test_configs_found():
    assert any('mae' in rel(c) for c in CONFIGS) and any('simmim' in rel(c) for c in CONFIGS)


@pytest.mark.parametrize('path', CONFIGS, ids=rel)
def test_config_builds(path):
    cfg = Config.fromfile(str(path))
    assert 'mimbench' in cfg.custom_imports['imports']
    for key in ('model', 'train_dataloader', 'optim_wrapper', 'param_scheduler', 'train_cfg'):
        assert key in cfg, f'{rel(path)} lacks {key}'
    model = build_without_init(cfg.model)                           # cheap even at ViT-H size
    assert sum(p.numel() for p in getattr(model, 'backbone', model).parameters()) > 0   # tokenizers: no backbone
    assert isinstance(model, BaseModel)                              # trainable by mmengine's Runner


@pytest.mark.parametrize('path', CONFIGS, ids=rel)
def test_smoke_twin_trains_and_checkpoints(path, image_root, tmp_path):
    from mimbench.runner import build_runner
    full, cfg = Config.fromfile(str(path)), load_smoke(path)
    # the recipe's optimizer, values and scheduler types; fp32 on CPU
    assert cfg.optim_wrapper.optimizer == full.optim_wrapper.optimizer
    assert cfg.optim_wrapper.type == 'OptimWrapper'
    assert cfg.optim_wrapper.get('clip_grad') == full.optim_wrapper.get('clip_grad')
    assert [s.type for s in cfg.param_scheduler] == [s.type for s in full.param_scheduler]
    assert cfg.model.type == full.model.type
    runner = build_runner(cfg, work_dir=str(tmp_path), cfg_options={
        'train_dataloader.dataset.data_root': str(image_root)})
    runner.train()
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert torch.isfinite(torch.tensor(loss))
    assert runner.iter == ITERS
    last = Path((tmp_path / 'last_checkpoint').read_text().strip())
    assert last.name == 'epoch_1.pth'                                # one epoch of 2 batches
    state = torch.load(last, map_location='cpu', weights_only=False)['state_dict']
    if 'backbone' in cfg.model:   # encoder under `backbone.`, plus what resuming needs
        assert any(k.startswith('backbone.') for k in state)
        assert any(k.startswith(('neck.', 'head.', 'generator.')) for k in state)
    else:                         # e.g. CiM's tokenizer: no encoder to transfer
        assert state


@pytest.mark.parametrize('path', CONFIGS, ids=rel)
def test_full_config_reads_an_imagenet_folder(path, image_root):
    """The full recipes' pipelines read the real ImageNet layout and yield crops of the pre-training size."""
    from mmengine.registry import DATASETS

    from mimbench.models.complexity import image_size_of
    cfg = Config.fromfile(str(path))
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.data_root = str(image_root)
    item = DATASETS.build(dataset_cfg)[0]
    size = image_size_of(cfg)
    assert tuple(item['inputs'].shape) == (3, size, size)


@pytest.mark.parametrize('path', CONFIGS, ids=rel)
def test_adamw_is_fused(path):
    """Every pre-training AdamW runs torch's fused kernel (one pass per tensor; the per-op loop costs 9x as
    long on CPU at ViT-L size, benchmarks/README.md): an implementation setting, not a recipe value."""
    optimizer = Config.fromfile(str(path)).optim_wrapper.optimizer
    assert optimizer.type != 'AdamW' or optimizer.get('fused') is True, f'{rel(path)}: AdamW not fused'


def test_fused_adamw_gives_the_recipe_update():
    """The fused AdamW of a recipe makes the same update as the per-op loop, with the recipe's parameter
    groups (no decay on norms, biases, tokens, position embeddings)."""
    from mmengine.optim import build_optim_wrapper

    from mimbench.registry import MODELS
    cfg = load_smoke(ROOT / 'configs/pretrain/mae/mae_vit-base-p16_8xb512-coslr-1600e_in1k.py')
    models, wrappers = [], []
    for fused in (True, False):
        torch.manual_seed(0)
        model = MODELS.build(cfg.model)
        model.init_weights()
        optim = cfg.optim_wrapper.to_dict()
        optim['optimizer']['fused'] = fused
        models.append(model)
        wrappers.append(build_optim_wrapper(model, optim))
    assert wrappers[0].optimizer.defaults['fused'] and not wrappers[1].optimizer.defaults['fused']
    torch.manual_seed(1)
    grads = [torch.randn_like(p) for p in models[0].parameters()]
    for model, wrapper in zip(models, wrappers):
        for _ in range(3):
            for p, g in zip(model.parameters(), grads):
                p.grad = g.clone()
            wrapper.step()
    for (name, a), b in zip(models[0].named_parameters(), models[1].parameters()):
        assert torch.allclose(a, b, atol=1e-6, rtol=1e-5), name
    decay = {g['weight_decay'] for g in wrappers[0].optimizer.param_groups}
    assert decay == {0.0, 0.05}                                  # the recipe's groups are kept
