"""Helpers of benchmarks/pretrain_speed.py: the optimizer it times is the config's, ``--size`` rescales every
token count, CiM is timed without the DALL-E files. (Speed itself is never asserted.)"""
import importlib.util

from mmengine.config import Config

ROOT = 'configs/pretrain'
CIM = f'{ROOT}/cim/cim-respix_vit-base-p16_16xb128-coslr-300e_in1k.py'


def bench(name: str = 'pretrain_speed'):
    spec = importlib.util.spec_from_file_location(name, f'benchmarks/{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_optimizer_is_the_configs_without_amp():
    cfg = Config.fromfile(CIM)
    cfg.optim_wrapper.update(type='AmpOptimWrapper', dtype='bfloat16')       # as users switch it on for GPUs
    optim = bench().optimizer_of(cfg)
    assert optim['type'] == 'OptimWrapper' and 'dtype' not in optim          # AMP is the benchmark's --dtype
    assert optim['optimizer'] == cfg.optim_wrapper.optimizer.to_dict()      # lr, betas, wd, fused
    assert optim['clip_grad'] == dict(max_norm=3.0)                      # cim.txt Table 9, timed too


def test_resize_scales_every_token_count():
    mae = Config.fromfile(f'{ROOT}/mae/mae_vit-base-p16_8xb512-coslr-1600e_in1k.py').model.to_dict()
    bench().resize_model(mae, 112 / 224)
    assert mae['backbone']['img_size'] == 112 and mae['neck']['num_patches'] == 49
    cim = Config.fromfile(CIM).model.to_dict()
    lo, hi = cim['num_masked']
    bench().resize_model(cim, 0.5)
    assert cim['num_masked'] == (round(lo / 4), round(hi / 4)) and cim['generator']['img_size'] == 112


def test_cim_timed_with_a_random_tokenizer():
    b = bench()
    cim = Config.fromfile(CIM).model.to_dict()
    timed, changed = b.without_tokenizer_weights(cim)
    assert changed and timed['tokenizer']['encoder_path'] is None
    assert timed['tokenizer']['decoder_path'] is None
    assert cim['tokenizer']['encoder_path']                                  # the config itself is untouched
    mae = Config.fromfile(f'{ROOT}/mae/mae_vit-base-p16_8xb512-coslr-1600e_in1k.py').model.to_dict()
    assert b.without_tokenizer_weights(mae) == (mae, False)


def test_optimizer_benchmark_one_tiny_round(smoke_file):
    mae = smoke_file(f'{ROOT}/mae/mae_vit-base-p16_8xb512-coslr-1600e_in1k.py')   # its smoke twin
    rows = bench('optimizer_speed').time_optimizers(mae, 1, 1)
    assert [r['optimizer'] for r in rows] == ['fused', 'foreach', 'per-op loop']
    assert all(r['s_per_step'] > 0 for r in rows) and rows[0]['vs_fused'] == 1.0


def test_bf16_variant_is_timed_next_to_fp32(tmp_path, smoke_file):
    import json
    smoke = smoke_file(f'{ROOT}/mae/mae_vit-base-p16_8xb512-coslr-1600e_in1k.py')
    assert bench().main(['--configs', smoke, '--variants', 'mmpretrain', '--dtype-variant', 'bf16',
                         '--steps', '1', '--rounds', '1', '--warmup', '0', '--batch-size', '2',
                         '--no-isolate', '--out', str(tmp_path)]) == 0
    rows = {r['variant']: r for r in map(json.loads, (tmp_path / 'speed.jsonl').read_text().splitlines())}
    assert list(rows) == ['mimbench', 'mimbench bf16', 'mmpretrain']      # the filter keeps the dtype variant
    assert rows['mimbench bf16']['bf16'] and not rows['mimbench']['bf16'] and not rows['mmpretrain']['bf16']
    assert rows['mimbench bf16']['flop_ratio'] == 1.0 and rows['mimbench bf16']['speed_ratio'] > 0
