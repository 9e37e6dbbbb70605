"""The proxy benchmark: its corpus, that weights reach the probed encoder, its statistics, the CLI."""

import numpy as np
import pandas as pd
import pytest
import torch
from mmengine.registry import init_default_scope
from PIL import Image
from pycocotools.coco import COCO

import mimbench  # noqa: F401  (registers mimbench modules)
from mimbench.datasets.proxy import ADE_LABELS, ROUND_SHAPES, SHAPES, make_proxy, shape_mask


@pytest.fixture(scope='module')
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp('proxy')
    make_proxy(root, images_per_class=4)
    return root


def test_corpus_layout_sizes_and_resume(corpus):
    train = (corpus / 'in1k' / 'meta' / 'train.txt').read_text().splitlines()
    val = (corpus / 'in1k' / 'meta' / 'val.txt').read_text().splitlines()
    assert len(train) == 4 * len(SHAPES) and len(val) == 2 * len(SHAPES)
    assert sorted({int(line.rsplit(' ', 1)[1]) for line in val}) == list(range(len(SHAPES)))
    stamp = (corpus / 'coco' / '.mimbench-synthetic').stat().st_mtime_ns
    make_proxy(corpus, images_per_class=4)                          # finished parts are kept
    assert (corpus / 'coco' / '.mimbench-synthetic').stat().st_mtime_ns == stamp


def test_colour_does_not_tell_the_class(corpus):
    """The class is the shape alone: the mean colour of an image is no better than chance at naming it."""
    lines = (corpus / 'in1k' / 'meta' / 'train.txt').read_text().splitlines()
    colours = np.array([np.asarray(Image.open(corpus / 'in1k' / 'train' / line.split()[0])).mean((0, 1))
                        for line in lines])
    labels = np.array([int(line.split()[1]) for line in lines])
    centroids = np.stack([colours[labels == k].mean(0) for k in range(len(SHAPES))])
    spread = np.linalg.norm(centroids - colours.mean(0), axis=1).mean()
    within = np.linalg.norm(colours - centroids[labels], axis=1).mean()
    assert spread < 0.8 * within                                   # class means sit inside the colour noise


def test_classification_images_are_lossless_so_locally_normalised_targets_see_no_codec_noise(corpus):
    """Flat fills stay exactly flat: CiM's RESPIX target (8x8 sliding-window normalisation) is 0 inside a
    fill, not JPEG noise blown up to unit scale (the artefact that made 65% of it noise)."""
    from mimbench.models.cim.objectives import sliding_window_normalize

    line = (corpus / 'in1k' / 'meta' / 'train.txt').read_text().splitlines()[0]
    assert line.split()[0].endswith('.png')
    img = torch.from_numpy(np.array(Image.open(corpus / 'in1k' / 'train' / line.split()[0]))).permute(2, 0, 1)
    target, _, std = sliding_window_normalize(img[None].float() / 255, 8)
    flat = std < 2e-3                               # windows inside one fill (std = sqrt(0 + eps))
    assert flat.float().mean() > 0.2
    assert target[flat].abs().max() < 1e-3          # float rounding of the window sums; JPEG: ~0.3 on average


@pytest.mark.parametrize('shape', SHAPES)
def test_every_shape_is_a_solid_mask_whose_annotation_decodes_to_it(shape):
    mask, polygon = shape_mask(shape, 32, 32, 16, angle=0.2)
    assert 150 < mask.sum() < 64 * 64 / 2
    assert (polygon == []) == (shape in ROUND_SHAPES)
    if polygon:
        from pycocotools import mask as mask_utils
        decoded = mask_utils.decode(mask_utils.merge(mask_utils.frPyObjects([polygon], 64, 64)))
        assert (decoded.astype(bool) == mask).all()


def test_detection_and_segmentation_parts_read_with_the_toolboxes(corpus):
    coco = COCO(str(corpus / 'coco' / 'annotations' / 'instances_val2017.json'))
    assert [c['name'] for c in coco.loadCats(coco.getCatIds())] == list(SHAPES)
    for ann in coco.loadAnns(coco.getAnnIds()):
        assert coco.annToMask(ann).sum() == ann['area'] > 0
    init_default_scope('mmseg')
    from mmseg.registry import DATASETS as SEG_DATASETS
    ds = SEG_DATASETS.build(dict(
        type='ADE20KDataset', data_root=str(corpus / 'ade20k'),
        data_prefix=dict(img_path='images/validation', seg_map_path='annotations/validation'),
        pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', reduce_zero_label=True)]))
    assert len(ds) == 4
    seen = set().union(*(np.unique(ds[i]['gt_seg_map']).tolist() for i in range(len(ds))))
    assert seen <= {0} | {v - 1 for v in ADE_LABELS.values()} and 0 in seen


def test_probe_encoder_holds_the_pretrained_weights(corpus, tmp_path):
    """The features of a pre-trained encoder come from its checkpoint (loaded by mimbench.Pretrained);
    random encoders differ per seed."""
    from mimbench.proxy.probe import build_encoder, probe_config
    random0 = build_encoder(probe_config('vit-smoke', None, corpus / 'in1k', 10), seed=0)
    random1 = build_encoder(probe_config('vit-smoke', None, corpus / 'in1k', 10), seed=1)
    qkv = [m.backbone.layers[0].attn.qkv.weight for m in (random0, random1)]
    assert not torch.equal(*qkv)
    state = {f'backbone.{k}': v for k, v in random1.backbone.state_dict().items()}
    ckpt = tmp_path / 'encoder.pth'
    torch.save({'state_dict': state, 'meta': {}}, ckpt)
    loaded = build_encoder(probe_config('vit-smoke', str(ckpt), corpus / 'in1k', 10), seed=0)
    for name, value in random1.backbone.state_dict().items():
        assert torch.equal(loaded.backbone.state_dict()[name], value), name


def test_a_simmim_vit_is_probed_in_its_own_layout_and_its_random_partner_too(corpus, tmp_path):
    """SimMIM's ViT has BEiT's layout (relative position bias, no absolute position embedding; simmim.txt
    Sec. 4.2): its checkpoint does not fit the plain ViT of MAE's linear recipe. The probe builds the method's
    own encoder, and the random arm it is compared with gets the same architecture."""
    from mimbench.proxy.benchmark import Arm, random_arm
    from mimbench.proxy.probe import build_encoder, probe_config

    plain = probe_config('vit-smoke', None, corpus / 'in1k', 10)
    assert plain.model.backbone.type.endswith('.VisionTransformer')
    partner = random_arm(Arm('simmim-2it-b4', 'simmim', 'vit-smoke', tmp_path / 'x.pth'))
    assert (partner.label, partner.method, partner.checkpoint, partner.recipe_method) == \
        ('random-simmim', 'random', None, 'simmim')
    random_simmim = build_encoder(probe_config('vit-smoke', None, corpus / 'in1k', 10,
                                               method=partner.recipe_method), seed=0)
    assert type(random_simmim.backbone).__name__ == 'BEiTViT'
    assert random_simmim.backbone.out_type == 'cls_token' and random_simmim.backbone.final_norm
    state = {f'backbone.{k}': v + 0.5 if v.is_floating_point() else v
             for k, v in random_simmim.backbone.state_dict().items()}
    ckpt = tmp_path / 'simmim_vit.pth'
    torch.save({'state_dict': state, 'meta': {}}, ckpt)
    loaded = build_encoder(probe_config('vit-smoke', str(ckpt), corpus / 'in1k', 10, method='simmim'), seed=1)
    for name, value in loaded.backbone.state_dict().items():
        assert torch.equal(value, state[f'backbone.{name}']), name
    # an arm without a partner method (the family's default) is MAE's plain ViT
    assert Arm('random', 'random', 'vit-smoke').recipe_method is None


def test_a_random_partner_is_fine_tuned_with_its_pretrained_partners_recipe(monkeypatch, tmp_path):
    """Δ must measure the weights alone: the random-init run of a CiM (RESPIX) ResNet comparison uses CiM
    RESPIX's fine-tuning recipe, not the ResNet family's default (CiM REVDET's), and says so in its record."""
    from mimbench import evaluate
    from mimbench.proxy.transfer import run_transfer

    seen = {}

    class Stop(Exception):
        pass

    def capture(*args, **kwargs):
        seen.update(method=args[3], recipe=kwargs.get('recipe'), reason=kwargs.get('recipe_reason'))
        raise Stop

    monkeypatch.setattr(evaluate, 'derive_config', capture)
    with pytest.raises(Stop):
        run_transfer('finetune', 'resnet-smoke', None, 'random', tmp_path, tmp_path / 'run', 2, 0,
                     recipe_method='cim-respix')
    assert seen['method'] == 'random'
    assert seen['recipe'].name == 'finetune_resnet-50_cim-respix_8xb256-300e_in1k.py'
    assert 'cim-respix recipe' in seen['reason']
    with pytest.raises(Stop):
        run_transfer('finetune', 'resnet-smoke', None, 'random', tmp_path, tmp_path / 'run', 2, 0)
    assert seen['recipe'] is None                      # no partner: the family's default recipe


def _probe_runs(correct: np.ndarray) -> list:
    """Probe outcomes (one per seed column of ``correct`` [n, seeds]) with 10 classes."""
    from mimbench.proxy.probe import probe_outcome
    target = np.arange(len(correct)) % 10
    return [probe_outcome(np.where(c, target, (target + 1) % 10), target) for c in correct.T]


def test_identical_arms_give_zero_difference_and_p_one():
    from mimbench.proxy.benchmark import compare
    correct = np.random.default_rng(0).random((300, 3)) < 0.6
    result = compare('linear', _probe_runs(correct), _probe_runs(correct), resamples=200)
    assert result['delta'] == 0 and result['p_value'] == 1.0
    # the interval holds the seeds' spread (mimbench.stats), so it is not empty, but centred on 0
    assert result['ci_low'] == pytest.approx(-result['ci_high']) and result['ci_low'] < 0


def test_a_planted_difference_is_detected_and_covered():
    from mimbench.proxy.benchmark import compare
    rng = np.random.default_rng(1)
    random_arm = rng.random((1000, 3)) < 0.30
    pretrained = random_arm | (rng.random((1000, 3)) < 0.2)          # about +14 points
    result = compare('linear', _probe_runs(pretrained), _probe_runs(random_arm), resamples=500)
    truth = 100 * (pretrained.mean() - random_arm.mean())
    assert result['delta'] == pytest.approx(truth) and result['seeds'] == 3 and result['val_images'] == 1000
    assert 0 < result['ci_low'] < truth < result['ci_high'] and result['p_value'] < 0.01
    assert result['seed_delta_min'] <= truth <= result['seed_delta_max']
    flipped = compare('linear', _probe_runs(random_arm), _probe_runs(pretrained), resamples=500)
    assert flipped['delta'] == pytest.approx(-truth) and flipped['ci_high'] < 0


def test_proxy_cli_writes_the_table(tmp_path, capsys):
    """A tiny run of one method: the Δ, interval and p-value columns exist and are computed."""
    from mimbench.cli import main
    from mimbench.proxy import benchmark

    settings = benchmark.with_overrides(benchmark.FULL, images_per_class=4, batch_size=4, resamples=50,
                                        probe_epochs=2)
    old = benchmark.FULL
    benchmark.FULL = settings
    try:
        assert main(['proxy', '--work-dir', str(tmp_path), '--methods', 'mae', '--pretrain-iters', '2',
                     '--transfer-iters', '2', '--seeds', '0,1', '--tasks', 'linear,segmentation']) == 0
    finally:
        benchmark.FULL = old
    table = pd.read_csv(tmp_path / 'proxy.csv')
    assert list(table.task) == ['linear', 'segmentation'] and set(table.method) == {'mae'}
    for column in ('pretrained', 'random_init', 'delta', 'ci_low', 'ci_high', 'p_value'):
        assert table[column].notna().all(), column
    assert ((table.ci_low <= table.delta) & (table.delta <= table.ci_high)).all()
    assert table.p_value.between(0, 1).all() and (table.seeds == 2).all()
    assert (table.delta - (table.pretrained - table.random_init)).abs().max() < 1e-9
    assert 'beats random init at p < 0.05 in' in capsys.readouterr().err
    assert main(['proxy', '--work-dir', str(tmp_path), '--tasks', 'nope']) == 2


def test_proxy_tests_an_ablation_config_as_its_own_encoder(tmp_path, capsys):
    """``--configs``: an ablation variant of a method (MAE with mask tokens in the encoder, mae.txt
    Table 1(c)) is pre-trained from its own config and tested against random init in its own row; a config
    outside configs/pretrain/<method>/ is refused with what was expected."""
    from mimbench.cli import main
    from mimbench.proxy import benchmark
    from mimbench.pretrain import CONFIG_ROOT

    config = (CONFIG_ROOT / 'mae' / 'ablation'
              / 'mae_vit-large-p16_8xb512-coslr-800e_in1k_mask-token-encoder.py')
    settings = benchmark.with_overrides(benchmark.FULL, images_per_class=4, batch_size=4, resamples=50,
                                        probe_epochs=2)
    old = benchmark.FULL
    benchmark.FULL = settings
    try:
        assert main(['proxy', '--work-dir', str(tmp_path), '--configs', str(config), '--pretrain-iters', '2',
                     '--seeds', '0', '--tasks', 'linear']) == 0
    finally:
        benchmark.FULL = old
    table = pd.read_csv(tmp_path / 'proxy.csv', keep_default_na=False)
    assert list(table.config) == [config.stem] and list(table.method) == ['mae']
    assert list(table.backbone) == ['vit-smoke']
    state = torch.load(table.checkpoint[0], map_location='cpu', weights_only=True)['state_dict']
    # the encoder took mask tokens
    assert any('mask_token' in k and k.startswith('backbone.') for k in state)
    assert config.stem in capsys.readouterr().out
    assert main(['proxy', '--work-dir', str(tmp_path), '--configs', str(tmp_path / 'nope.py')]) == 2
    assert 'expected a pre-training config file under' in capsys.readouterr().err


def test_the_proxy_pretrains_cims_resnet_with_revdet_as_the_paper_and_in_its_own_folder():
    """cim.txt pre-trains its ResNet-50 with REVDET (Sec. 4.1, Table 2); a RESPIX run of the same method must
    never be resumed or reused as the REVDET one, so each objective has its own run folder."""
    from mimbench.pretrain import find_config
    from mimbench.proxy.pretraining import METHODS, recipe, run_name

    assert recipe('cim', 'resnet-smoke').name.startswith('cim-revdet_resnet50')
    assert run_name(recipe('cim', 'resnet-smoke')) == 'cim-revdet'
    assert run_name(find_config('cim', 'resnet-smoke', 'smoke')) == 'cim-respix'
    for method, backbone in METHODS:
        if method != 'cim':
            assert recipe(method, backbone) == find_config(method, backbone, 'smoke')
            assert run_name(recipe(method, backbone)) == method


@pytest.mark.parametrize('config, arm', [
    ('cim/cim-respix_vit-small-p16_16xb128-coslr-300e_in1k.py', ('cim', 'vit-smoke')),
    ('cim/cim-revdet_resnet50_16xb128-coslr-300e_in1k.py', ('cim', 'resnet-smoke')),
    ('simmim/simmim_vit-base-p16_8xb256-coslr-800e_in1k.py', ('simmim', 'vit-smoke')),
    ('mixmim/mixmim_mixmim-base_8xb128-coslr-300e_in1k.py', ('mixmim', 'mixmim-smoke')),
])
def test_a_config_arm_is_probed_on_the_family_of_its_own_encoder(config, arm):
    """A CiM ViT config pre-trains a ViT: probing it with CiM's default ResNet would fail after the
    pre-training was paid for."""
    from mimbench.pretrain import CONFIG_ROOT
    from mimbench.proxy.benchmark import config_arm
    assert config_arm(str(CONFIG_ROOT / config)) == arm


def test_a_finished_pretraining_run_of_another_smoke_twin_is_refused(tmp_path):
    """A finished run is reused only when it was made from the smoke twin the recipe gives today (a change of
    mimbench.smoke, e.g. the tokenizer's training view, must not be hidden behind an old checkpoint)."""
    from mimbench.pretrain import smoke_twin
    from mimbench.proxy.pretraining import CPU_SECONDS, TOKENIZER_CONFIG, _train, budget_options

    run = tmp_path / 'tokenizer'
    smoke = smoke_twin(TOKENIZER_CONFIG, run)
    (run / 'iter_3.pth').write_bytes(b'')
    (run / CPU_SECONDS).write_text('{"cpu_seconds": 1.0}')
    options = budget_options(3, 4, 1e-3, tmp_path, 0)
    assert _train(TOKENIZER_CONFIG, run, options) == (run / 'iter_3.pth', 1.0)   # the same twin: reused
    smoke.write_text(smoke.read_text().replace('scale=32', 'scale=64'))
    with pytest.raises(RuntimeError, match='remove that folder to train it again'):
        _train(TOKENIZER_CONFIG, run, options)
