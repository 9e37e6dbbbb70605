# SimMIM Swin-L pre-training of the scaling experiments (simmim.txt Sec. 4.3, Table 7: 85.4 after fine-tuning;
# Table 12 COCO/ADE20K): the Swin-B 800-epoch recipe (step lr 4e-4 for 7/8 of 800 epochs, then /10; 192 px;
# batch 2048) with the large encoder, C=192, depths 2/2/18/2, window 12 at 192 px (simmim.txt Table 8; release
# configs/swin_large__800ep/simmim_pretrain__swin_large__img192_window12__800ep.yaml).
_base_ = './simmim_swin-base-w6_8xb256-steplr-800e_in1k-192px.py'
model = dict(
    backbone=dict(arch='large',                                  # simmim.txt Table 8: C=192, heads 6/12/24/48
                  # window 12 (simmim.txt Table 8, pre-training); stage 4's map is 6x6 at 192 px, and Swin's
                  # code (which SimMIM runs) shrinks a window larger than its map to the map, unshifted
                  stage_cfgs=[dict(block_cfgs=dict(window_size=12))] * 3
                  + [dict(block_cfgs=dict(window_size=6))]),
    neck=dict(in_channels=192 * 2 ** 3))                         # 1536-d stage-4 output
# which recipe of configs/recipes.csv this is (checked by tests/test_recipes.py)
mimbench = dict(recipe='simmim.txt Sec. 4.3', method='simmim', backbone='swin-l')
