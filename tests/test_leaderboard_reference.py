"""The transcribed paper numbers: they parse, validate, and rebuild each paper table in its own layout."""
import math

import pandas as pd
import pytest

from mimbench.leaderboard import tables
from mimbench.leaderboard.records import aggregate_records
from mimbench.leaderboard.reference import (COLUMNS, DEFAULT_DIR, load_reference, read_reference_csv,
                                             validate_reference)
from mimbench.leaderboard.specs import SPECS
from mimbench.leaderboard.ids import BACKBONES, COST_METRICS, COST_TASK, METHODS, METRICS, PAPERS, TASKS

MAE3 = next(s for s in SPECS if s.name == 'mae_table3')   # mae.txt Table 3

# every numbered results table of the four papers (issues 3 and 14)
REQUIRED_TABLES = {('mae', t) for t in ('1a', '1b', '1c', '1d', '1e', '1f', '2', '3', '4', '5', '6', '7',
                                         '12', '13')} \
    | {('simmim', t) for t in ('1', '2', '3', '4', '5', '6', '7', '9', '10', '11', '12', '13')} \
    | {('mixmim', t) for t in ('2', '3', '4', '5', '6', '7', '8', '9', '10', '13')} \
    | {('cim', t) for t in ('1', '2', '3a', '3b', '4', '5', '6', '7', '8')}


@pytest.fixture(scope='module')
def reference():
    return load_reference()


@pytest.fixture(scope='module')
def empty_groups():
    return aggregate_records([])


def test_every_reference_row_parses_and_uses_allowed_ids(reference):
    assert sorted(p.stem for p in DEFAULT_DIR.glob('*.csv')) == sorted(PAPERS)
    assert set(zip(reference['paper'], reference['table'])) == REQUIRED_TABLES
    assert reference['paper'].isin(PAPERS).all() and reference['method'].isin(list(METHODS)).all()
    assert reference['backbone'].isin(list(BACKBONES)).all()
    cost = reference['task'] == COST_TASK                       # hours, speed-ups, relative costs
    assert reference[~cost]['task'].isin(TASKS).all() and reference[~cost]['metric'].isin(METRICS).all()
    assert reference[cost]['metric'].isin(list(COST_METRICS)).all()
    numbers = reference[~cost]['value'].dropna()
    assert ((numbers > 0) & (numbers <= 100)).all() and (reference[cost]['value'] > 0).all()
    # a gap is allowed only where a note explains it: cim.txt Table 3b lost two numbers in the OCR,
    # cim.txt Tables 7/8 print × for runs that diverged, simmim.txt Tables 5 and 13 print N/A
    gaps = reference[reference['value'].isna()]
    expected = [('cim', '3b')] * 2 + [('cim', '7')] * 2 + [('cim', '8')] + [('simmim', '5')] * 2 \
        + [('simmim', '13')] * 2
    assert sorted(zip(gaps['paper'], gaps['table'])) == sorted(expected)
    assert (gaps['note'].str.contains('not legible') | gaps['note'].str.startswith('diverged')
            | gaps['note'].str.startswith('N/A')).all()


def test_validation_names_each_bad_row(tmp_path):
    good = read_reference_csv(DEFAULT_DIR / 'mae.csv').head(2)
    bad = pd.concat([good, good.head(1)], ignore_index=True)   # a duplicate of row 1
    bad.loc[1, 'task'] = 'imagenet'
    bad.loc[1, 'value'] = math.nan
    bad.loc[1, 'note'] = ''
    bad['source'] = ['x.csv:2', 'x.csv:3', 'x.csv:4']
    problems = validate_reference(bad)
    assert any("x.csv:3: unknown task 'imagenet'" in p for p in problems)
    assert any('x.csv:3: value is empty' in p for p in problems)
    assert any(p.startswith('x.csv:2') and 'same' in p for p in problems)
    assert any(p.startswith('x.csv:4') and 'same' in p for p in problems)
    (tmp_path / 'broken.csv').write_text('paper,table\nmae,3\n')
    with pytest.raises(ValueError, match='missing column'):
        load_reference(tmp_path)


def test_each_reference_row_fills_exactly_one_cell_of_its_table(reference, empty_groups):
    for spec in SPECS:
        table = tables.build_table(spec, reference, empty_groups)
        sources = [c.source for line in table.cells for c in line if isinstance(c, tables.Cell) and c.source]
        own = reference[(reference['paper'] == spec.paper) & (reference['table'] == spec.table)]
        assert sorted(sources) == sorted(own['source']), spec.name
        assert not any(table.extra)


# The paper tables as printed (typed from the papers, independently of the CSVs); '–' = not in the table.
PRINTED = {
    'mae_table3': [['scratch, our impl.', '82.3', '82.6', '83.1', '–'],
                   ['DINO', '82.8', '–', '–', '–'],
                   ['MoCo v3', '83.2', '84.1', '–', '–'], ['BEiT', '83.2', '85.2', '–', '–'],
                   ['MAE', '83.6', '85.9', '86.9', '87.8']],
    'mae_table4': [['supervised', '47.9', '49.3', '42.9', '43.9'],
                   ['MoCo v3', '47.9', '49.3', '42.7', '44.0'],
                   ['BEiT', '49.8', '53.3', '44.4', '47.1'], ['MAE', '50.3', '53.3', '44.9', '47.2']],
    'mae_table5': [['supervised', '47.4', '49.9'], ['MoCo v3', '47.3', '49.1'], ['BEiT', '47.1', '53.3'],
                   ['MAE', '48.1', '53.6']],
    'mae_table6': [['iNat 2017', '70.5', '75.7', '79.3', '83.4', '75.4'],
                   ['iNat 2018', '75.4', '80.1', '83.0', '86.8', '81.2'],
                   ['iNat 2019', '80.5', '83.4', '85.7', '88.3', '84.1'],
                   ['Places205', '63.9', '65.8', '65.9', '66.8', '66.0'],
                   ['Places365', '57.9', '59.4', '59.8', '60.3', '58.0']],
    'simmim_table12': [['Swin-B', '50.2', '50.4', '52.3', '52.8'], ['Swin-L', '50.9', '50.0', '53.8', '53.5'],
                       ['SwinV2-H', '50.2', '49.8', '54.4', '54.2']],
    'mixmim_table4': [['MoCo v3', 'ViT-B', '300', '853', '116', '47.9', '42.9', '606', '164', '47.3'],
                      ['BEiT', 'ViT-B', '800', '853', '116', '49.8', '44.4', '606', '164', '47.1'],
                      ['MAE', 'ViT-B', '1600', '853', '116', '50.3', '44.9', '606', '164', '48.1'],
                      ['MixMIM', 'MixMIM-B', '600', '701', '110', '52.2', '46.5', '302', '122', '50.3'],
                      ['MoCo v3', 'ViT-L', '300', '1907', '339', '49.3', '43.9', '877', '392', '49.1'],
                      ['BEiT', 'ViT-L', '800', '1907', '339', '53.3', '47.1', '877', '392', '53.3'],
                      ['MAE', 'ViT-L', '1600', '1907', '339', '53.3', '47.2', '877', '392', '53.6'],
                      ['MixMIM', 'MixMIM-L', '600', '1119', '319', '54.1', '48.1', '460', '236', '53.8']],
    'mixmim_table5': [['DINO', 'ViT-B', '17.5', '86', '72.6', '78.2', '–', '–', '–'],
                      ['MAE', 'ViT-B', '17.5', '86', '75.4', '80.5', '63.9', '57.9', '69.4'],
                      ['MixMIM', 'MixMIM-B', '16.3', '88', '77.5', '82.6', '68.3', '58.9', '71.8'],
                      ['MAE', 'ViT-L', '61.3', '304', '80.1', '83.4', '65.8', '59.4', '72.1'],
                      ['MixMIM', 'MixMIM-L', '35.8', '235', '80.3', '83.9', '69.3', '60.3', '73.4']],
    'mae_table7': [['pixel (w/o norm)', '83.3', '85.1', '86.2', '49.5', '52.8', '48.0', '51.8'],
                   ['pixel (w/ norm)', '83.6', '85.9', '86.9', '50.3', '53.3', '48.1', '53.6'],
                   ['dVAE token', '83.6', '85.7', '86.9', '50.3', '53.2', '48.1', '53.4']],
    'mixmim_table10': [['Ours w/o unmixing', '115', '19', '84.4', '84.4', '84.4'],
                       ['Ours w/ mix embedding', '115', '19.1', '84.4', '84.6', '84.8'],
                       ['Ours w/ masked self-attention', '115', '19', '84.6', '85.1', '85.1']],
    'cim_table7': [['Uniform sampling', '×'], ['argmax sampling', '×'], ['Gumbel sampling', '83.3']],
    'cim_table3a': [['DINO', '1600', '43.0'], ['BEiT', '300', '43.2'], ['CiM-RESPIX', '300', '43.5']],
    'simmim_table10': [['Linear', '82.8', '75.2', '49.9', '50.0'],
                       ['2-layer MLP', '82.8', '75.0', '50.1', '49.9'],
                       ['inverse Swin-T', '82.4', '74.9', '49.8', '49.4'],
                       ['inverse Swin-B', '82.5', '75.0', '49.8', '49.0']],
    'mae_table1a': [['1 block', '84.8', '65.5'], ['2 blocks', '84.9', '70.0'], ['4 blocks', '84.9', '71.9'],
                    ['8 blocks', '84.9', '73.5'], ['12 blocks', '84.4', '73.3']],
    'mae_table1b': [['128', '84.9', '69.1'], ['256', '84.8', '71.3'], ['512', '84.9', '73.5'],
                    ['768', '84.4', '73.1'], ['1024', '84.3', '73.1']],
    'mae_table1c': [['encoder w/ [M]', '84.2', '59.6', '3.3'], ['encoder w/o [M]', '84.9', '73.5', '1.0']],
    'mae_table1d': [['pixel (w/o norm)', '84.9', '73.5'], ['pixel (w/ norm)', '85.4', '73.9'],
                    ['PCA', '84.6', '72.3'], ['dVAE token', '85.3', '71.6']],
    'mae_table1e': [['none', '84.0', '65.7'], ['crop, fixed size', '84.7', '73.1'],
                    ['crop, rand size', '84.9', '73.5'], ['crop + color jit', '84.3', '71.9']],
    'mae_table1f': [['random (75)', '84.9', '73.5'], ['block (50)', '83.9', '72.3'],
                    ['block (75)', '82.8', '63.9'], ['grid (75)', '84.0', '66.0']],
    'mae_table2': [['ViT-L, w/ [M], dec. depth 8', '84.2', '42.4', '–'],
                   ['ViT-L, dec. depth 8', '84.9', '15.4', '2.8'],
                   ['ViT-L, dec. depth 1', '84.8', '11.6', '3.7'],
                   ['ViT-H, w/ [M], dec. depth 8', '–', '119.6', '–'],
                   ['ViT-H, dec. depth 8', '85.8', '34.5', '3.5'],
                   ['ViT-H, dec. depth 1', '85.9', '29.3', '4.1']],
    # simmim.txt Table 1 as a grid: masking strategy and ratio x masked patch size 4 / 8 / 16 / 32 / 64
    'simmim_table1': [['square, 0.11 (2×2)', '–', '–', '–', '82.6', '–'],
                      ['square, 0.25 (3×3)', '–', '–', '–', '82.5', '–'],
                      ['square, 0.44 (4×4)', '–', '–', '–', '82.5', '–'],
                      ['block-wise, 0.4', '–', '–', '82.7', '82.7', '–'],
                      ['block-wise, 0.6', '–', '–', '82.6', '82.6', '–'],
                      ['block-wise, 0.8', '–', '–', '82.4', '82.5', '–'],
                      ['random, 0.1', '–', '–', '–', '82.7', '82.6'],
                      ['random, 0.2', '–', '–', '–', '82.8', '82.6'],
                      ['random, 0.3', '–', '–', '–', '82.8', '–'],
                      ['random, 0.4', '81.9', '82.0', '82.4', '82.9', '–'],
                      ['random, 0.5', '–', '–', '–', '83.0', '–'],
                      ['random, 0.6', '82.0', '82.1', '82.7', '82.8', '–'],
                      ['random, 0.7', '–', '–', '–', '82.7', '–'],
                      ['random, 0.8', '82.1', '82.4', '82.8', '82.4', '–'],
                      ['random, 0.9', '–', '–', '–', '82.4', '–']],
    'simmim_table2': [['Linear', '89.9', '1.0', '82.8'], ['2-layer MLP', '90.9', '1.2', '82.8'],
                      ['inverse Swin-T', '115.2', '1.7', '82.4'], ['inverse Swin-B', '174.8', '2.3', '82.5']],
    'simmim_table3': [['6² (1/32)', '82.3'], ['12² (1/16)', '82.7'], ['24² (1/8)', '82.8'],
                      ['48² (1/4)', '82.7'], ['96² (1/2)', '82.8'], ['192² (1/1)', '82.8']],
    'simmim_table4': [['masked area', '82.8'], ['full image', '81.7']],
    'simmim_table5': [['8-bin (192²)', '82.7'], ['8-bin (48²)', '82.7'], ['256-bin (192²)', 'N/A'],
                      ['256-bin (48²)', '82.3'], ['iGPT cluster (192²)', 'N/A'],
                      ['iGPT cluster (48²)', '82.4'], ['BEiT', '82.7'], ['ℓ2 (192²)', '82.7'],
                      ['smooth-ℓ1 (192²)', '82.7'], ['ℓ1 (192²)', '82.8'], ['ℓ1 (48²)', '82.7'],
                      ['ℓ1 (6²)', '82.3']],
    'simmim_table9': [['cosine', '82.8', '83.0'], ['step', '82.9', '83.3']],
    'simmim_table13': [['6²', '82.5', '82.7', '82.8', '82.9', '82.8', '82.4'],
                       ['48²', '82.5', '82.8', '82.7', '82.6', '82.5', '82.3'],
                       ['192²', '82.7', '82.9', '82.7', '82.7', 'N/A', 'N/A']],
    'mixmim_table13': [['BiT-S', 'ResNet-50x3', '448', 'IN1K w/ labels', '80.0'],
                       ['BiT-M', 'ResNet-50x3', '448', 'IN21K w/ labels', '84.0'],
                       ['MixMIM', 'ResNet-50x3', '224', 'IN1K', '81.8'],
                       ['BiT-S', 'ResNet-101x3', '448', 'IN1K w/ labels', '80.3'],
                       ['BiT-M', 'ResNet-101x3', '448', 'IN21K w/ labels', '84.3'],
                       ['MixMIM', 'ResNet-101x3', '224', 'IN1K', '82.6']],
}


@pytest.mark.parametrize('name', sorted(PRINTED))
def test_table_from_reference_alone_reproduces_the_paper(name, reference, empty_groups):
    spec = next(s for s in SPECS if s.name == name)
    table = tables.build_table(spec, reference, empty_groups)
    assert tables.grid(table, 'plain') == PRINTED[name]


def test_every_table_renders_in_all_formats(reference, empty_groups):
    for spec in SPECS:
        table = tables.build_table(spec, reference, empty_groups)
        md, tex = tables.to_markdown(table), tables.to_latex(table)
        assert md.count('\n| ') == len(table.labels) + 1 and spec.source in md
        assert '\\toprule' in tex and '\\midrule' in tex and tex.rstrip().endswith('\\end{tabular}')
        assert tex.count(' \\\\\n') == len(table.labels) + 1
    mae3 = tables.to_latex(tables.build_table(MAE3, reference, empty_groups))
    assert '\\underline{85.9}' in mae3            # mae.txt Table 3: the best per column is underlined
    mae3_md = tables.to_markdown(tables.build_table(MAE3, reference, empty_groups))
    assert '<u>83.6</u>' in mae3_md and '<u>87.8</u>' in mae3_md


def test_quoted_numbers_agree_across_papers_except_the_documented_ones(reference):
    """MixMIM Table 4/5 quote MAE Tables 4-6: any disagreement must be exactly the noted ones."""
    mae = reference[(reference['paper'] == 'mae') & reference['table'].isin(['4', '5', '6'])]
    mix = reference[(reference['paper'] == 'mixmim') & reference['table'].isin(['4', '5'])]
    keys = ['method', 'backbone', 'task', 'metric']
    merged = mix.merge(mae[mae['resolution'].isna() | (mae['resolution'] == 224)], on=keys,
                       suffixes=('_mix', '_mae'))
    assert len(merged) >= 25
    differ = merged[merged['value_mix'] != merged['value_mae']]
    assert sorted(zip(differ['method'], differ['backbone'], differ['metric'], differ['value_mae'],
                      differ['value_mix'])) == [('moco-v3', 'vit-b', 'ap_mask', 42.7, 42.9),
                                                ('moco-v3', 'vit-l', 'ap_mask', 44.0, 43.9)]
    assert differ['note_mix'].str.contains('both recorded').all()
    assert differ['note_mae'].str.contains('MixMIM Table 4').all()


def test_numbers_agree_with_the_papers_running_text(reference):
    def value(paper, table, method, backbone, task, metric, **extra):
        rows = reference[(reference['paper'] == paper) & (reference['table'] == table)
                         & (reference['method'] == method) & (reference['backbone'] == backbone)
                         & (reference['task'] == task) & (reference['metric'] == metric)]
        if 'variant' not in extra:
            rows = rows[rows['variant'].isna()]
        for k, v in extra.items():
            rows = rows[rows[k] == v]
        assert len(rows) == 1
        return float(rows['value'].iloc[0])
    # simmim.txt C.3: SimMIM gains +2.1/+2.9/+4.2 box AP and +2.4/+3.5/+4.4 mIoU over supervised
    for backbone, box, miou in (('swin-b', 2.1, 2.4), ('swin-l', 2.9, 3.5), ('swinv2-h', 4.2, 4.4)):
        assert value('simmim', '12', 'simmim', backbone, 'coco', 'ap_box') - \
            value('simmim', '12', 'supervised', backbone, 'coco', 'ap_box') == pytest.approx(box)
        assert value('simmim', '12', 'simmim', backbone, 'ade20k', 'miou') - \
            value('simmim', '12', 'supervised', backbone, 'ade20k', 'miou') == pytest.approx(miou)
    # mae.txt Sec. 5: +2.4 (ViT-B) and +4.0 (ViT-L) box AP over supervised; +3.7 mIoU for ViT-L
    for table, backbone, task, metric, gain in (('4', 'vit-b', 'coco', 'ap_box', 2.4),
                                                ('4', 'vit-l', 'coco', 'ap_box', 4.0),
                                                ('5', 'vit-l', 'ade20k', 'miou', 3.7)):
        assert value('mae', table, 'mae', backbone, task, metric) - \
            value('mae', table, 'supervised', backbone, task, metric) == pytest.approx(gain)
    # mixmim.txt Sec. 4.2: MixMIM-B +2.4 / +2.1 over BEiT on COCO, +3.2 mIoU over BEiT
    assert value('mixmim', '4', 'mixmim', 'mixmim-b', 'coco', 'ap_box') - \
        value('mixmim', '4', 'beit', 'vit-b', 'coco', 'ap_box') == pytest.approx(2.4)
    assert value('mixmim', '4', 'mixmim', 'mixmim-b', 'ade20k', 'miou') - \
        value('mixmim', '4', 'beit', 'vit-b', 'ade20k', 'miou') == pytest.approx(3.2)
    # mixmim.txt Sec. 5: dual reconstruction +2.6 mIoU; random vs. block masking +1.1 top-1 and +2.8 mIoU
    assert value('mixmim', '7', 'mixmim', 'mixmim-b', 'ade20k', 'miou') - value(
        'mixmim', '7', 'mixmim', 'mixmim-b', 'ade20k', 'miou', variant='no-dual') == pytest.approx(2.6)
    for task, metric, gain in (('in1k', 'top1', 1.1), ('ade20k', 'miou', 2.8)):
        rows = reference[(reference['paper'] == 'mixmim') & (reference['table'] == '8')
                         & (reference['task'] == task)]
        default = rows[rows['variant'].isna()]['value'].item()
        block = rows[rows['variant'] == 'mask-block-0.5']['value'].item()
        assert default - block == pytest.approx(gain)
    # cim.txt Sec. 3.2: CiM-REVDet 600-epoch fine-tuning improves RSB A1 by 0.2
    assert value('cim', '2', 'cim-revdet', 'resnet-50', 'in1k', 'top1', finetune_epochs=600) - \
        value('cim', '2', 'random', 'resnet-50', 'in1k', 'top1', variant='rsb-a1') == pytest.approx(0.2)


def test_mae_table7_delta_row_is_token_minus_normalised_pixels(reference):
    """mae.txt Table 7 prints Δ = dVAE token − pixel (w/ norm): 0.0 -0.2 0.0 0.0 -0.1 0.0 -0.2."""
    spec = next(s for s in SPECS if s.name == 'mae_table7')
    table = tables.build_table(spec, reference, aggregate_records([]))
    norm, token = (table.cells[table.labels.index(n)] for n in ('pixel (w/ norm)', 'dVAE token'))
    deltas = [round(t.paper - n.paper, 1) for n, t in zip(norm, token)]
    assert deltas == [0.0, -0.2, 0.0, 0.0, -0.1, 0.0, -0.2]


def test_printed_averages_match_the_columns(reference, empty_groups):
    spec = next(s for s in SPECS if s.name == 'mixmim_table5')
    table = tables.build_table(spec, reference, empty_groups)
    for row_key, line in zip(table.row_keys, table.cells):
        values = [c.paper for c in line if isinstance(c, tables.Cell)]
        printed = spec.mean_printed.get(tuple(row_key.values()))
        if printed is not None:
            assert sum(values) / len(values) == pytest.approx(printed, abs=0.1)


def test_variants_are_ids_a_record_can_carry(reference):
    """A run fills a cell through its record's variant, so every variant must pass the record's id check."""
    from mimbench.results import id_problem
    for variant in reference['variant'].dropna().unique():
        assert id_problem('variant', variant) is None, variant


def test_reference_columns_are_the_documented_schema():
    header = (DEFAULT_DIR / 'mae.csv').read_text(encoding='utf-8').splitlines()[0]
    assert tuple(header.split(',')) == COLUMNS


def _values(reference, paper, table, metric='top1', **where):
    rows = reference[(reference['paper'] == paper) & (reference['table'] == table)
                     & (reference['metric'] == metric)]
    for k, v in where.items():
        rows = rows[rows[k].isna()] if v is None else rows[rows[k] == v]
    return rows


def _one(reference, paper, table, metric='top1', **where) -> float:
    rows = _values(reference, paper, table, metric, **where)
    assert len(rows) == 1, (paper, table, metric, where)
    return float(rows['value'].iloc[0])


def test_mae_ablation_tables_agree_with_each_other_and_the_text(reference):
    """mae.txt Tables 1-2 and Sec. 4.1: the gray default recurs, speed-ups are ratios of the printed hours."""
    for table in ('1a', '1b', '1c', '1d', '1e', '1f'):
        assert _one(reference, 'mae', table, variant='pixel-no-norm') == 84.9
        assert _one(reference, 'mae', table, 'linear', variant='pixel-no-norm') == 73.5
    hours = {(b, v): _one(reference, 'mae', '2', 'hours', backbone=b, variant=v)
             for b in ('vit-l', 'vit-h') for v in ('mask-token-encoder', 'pixel-no-norm', 'dec-depth-1')}
    for backbone in ('vit-l', 'vit-h'):
        for variant in ('pixel-no-norm', 'dec-depth-1'):
            speedup = _one(reference, 'mae', '2', 'speedup', backbone=backbone, variant=variant)
            ratio = hours[(backbone, 'mask-token-encoder')] / hours[(backbone, variant)]
            assert round(ratio, 1) == speedup, (backbone, variant, ratio)
    assert abs(2 * hours[('vit-l', 'pixel-no-norm')] - 31) < 0.5          # Sec. 4.2: 31 h for 1600 epochs
    # Table 2's ViT-L accuracies are Table 1's
    for variant, table in (('mask-token-encoder', '1c'), ('pixel-no-norm', '1a'), ('dec-depth-1', '1a')):
        assert _one(reference, 'mae', '2', backbone='vit-l', variant=variant) == \
            _one(reference, 'mae', table, variant=variant)
    # Sec. 4.1: "drops by 14% in linear probing", "up to 8% improvement", "improves fine-tuning by 0.4%",
    # "3.3x" FLOPs, "single-block decoder ... (84.8%)"
    assert round(73.5 - _one(reference, 'mae', '1c', 'linear', variant='mask-token-encoder')) == 14
    assert 73.5 - _one(reference, 'mae', '1a', 'linear', variant='dec-depth-1') == pytest.approx(8.0)
    assert _one(reference, 'mae', '1d', variant='dvae-token') - 84.9 == pytest.approx(0.4)
    assert _one(reference, 'mae', '1c', 'flops_x', variant='mask-token-encoder') == 3.3
    assert _one(reference, 'mae', '1a', variant='dec-depth-1') == 84.8


def test_simmim_ablation_tables_agree_with_each_other_and_the_text(reference):
    """simmim.txt Tables 1-5, 9, 13 vs. Tables 10-11 (the same runs) and the running text."""
    default = dict(variant=None, pretrain_epochs=100)
    for table in ('1', '2', '3', '4', '5', '9'):                   # the default setting recurs: 82.8
        assert _one(reference, 'simmim', table, **default) == 82.8
    # Sec. 4.1.2: ratio 0.4 -> 0.8 gains +0.2 / +0.4 / +0.4 at patch 4 / 8 / 16; the best random (83.0) is
    # +0.3 over the best other strategy (block-wise 82.7)
    for patch, gain in ((4, 0.2), (8, 0.4), (16, 0.4)):
        assert _one(reference, 'simmim', '1', variant=f'mask-random-p{patch}-r0.8') - \
            _one(reference, 'simmim', '1', variant=f'mask-random-p{patch}-r0.4') == pytest.approx(gain)
    table1 = _values(reference, 'simmim', '1')
    random = table1[table1['label'].str.startswith('random')]['value']
    other = table1[~table1['label'].str.startswith('random')]['value']
    assert random.max() == 83.0 and random.max() - other.max() == pytest.approx(0.3)
    # Table 2 = the IN1K column of Table 10; Table 5 = the IN1K column of Table 11; Table 3 = Table 5 (l1)
    for variant in ('2-layer-mlp', 'inverse-swin-t', 'inverse-swin-b'):
        assert _one(reference, 'simmim', '2', variant=variant) == _one(reference, 'simmim', '10', 'top1',
                                                                         variant=variant, task='in1k')
    for variant in ('8-bin-res48', '256-bin-res48', 'igpt-res48', 'beit-token'):
        assert _one(reference, 'simmim', '5', variant=variant) == _one(reference, 'simmim', '11', 'top1',
                                                                         variant=variant, task='in1k')
    for variant in ('l1-res48', 'l1-res6'):
        assert _one(reference, 'simmim', '3', variant=variant) == \
            _one(reference, 'simmim', '5', variant=variant)
    # Table 13 repeats Table 5's bin rows, N/A included
    for variant in ('8-bin-res192', '8-bin-res48', '256-bin-res48', '256-bin-res192'):
        a = _values(reference, 'simmim', '5', variant=variant)['value'].item()
        b = _values(reference, 'simmim', '13', variant=variant)['value'].item()
        assert a == b or (math.isnan(a) and math.isnan(b))
    # App. D: the best resolution is 192² for 2 and 4 bins, 6² for all other bin numbers
    table13 = _values(reference, 'simmim', '13').dropna(subset=['value'])
    for bins in (2, 4, 8, 16, 32, 256):
        rows = table13[table13['variant'].str.startswith(f'{bins}-bin-res')]
        best = rows.loc[rows['value'].idxmax(), 'variant']
        assert best == (f'{bins}-bin-res192' if bins in (2, 4) else f'{bins}-bin-res6'), bins
    # App. B: step beats cosine by +0.1 (100 epochs) and +0.3 (300 epochs); Sec. 4.1.5: 82.8 vs 81.7
    for epochs, gain in ((100, 0.1), (300, 0.3)):
        assert _one(reference, 'simmim', '9', variant='step-lr', pretrain_epochs=epochs) - \
            _one(reference, 'simmim', '9', variant=None, pretrain_epochs=epochs) == pytest.approx(gain)
    assert _one(reference, 'simmim', '4', variant='loss-full-image') == 81.7
    assert _one(reference, 'simmim', '2', 'cost_x', variant='inverse-swin-b') == 2.3   # Sec. 4.1.3


def test_index_lists_every_numbered_table_of_the_four_papers():
    from mimbench.leaderboard.specs import LAST_TABLE, OTHER_TABLES, catalogue
    entries = catalogue()
    assert [(p, n) for p, n, _, _ in entries] == [(p, str(n)) for p, last in LAST_TABLE.items()
                                                  for n in range(1, last + 1)]
    missing = [(p, n) for p, n, specs, other in entries if other == 'missing']
    assert missing == []
    rebuilt = {(p, n) for p, n, specs, _ in entries if specs}
    assert {(p, t.rstrip('abcdef')) for p, t in REQUIRED_TABLES} <= rebuilt
    kinds = {reason.split(':')[0] for reason in OTHER_TABLES.values()}
    assert kinds <= {'settings', 'qualitative', 'results'}
    index = (DEFAULT_DIR.parent / 'index.md').read_text(encoding='utf-8')
    for paper, number, _, _ in entries:
        assert f'| {tables.PAPER_NAMES[paper]} | {number} |' in index
