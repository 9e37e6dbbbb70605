# SimMIM Swin-L -> UperNet on ADE20K (simmim.txt C.1, Table 12: 53.5 mIoU): the Swin-B recipe of simmim.txt
# C.1 ("All models are trained for 80K iterations with an input resolution of 512x512 and a window size of
# 20"; batch 32, wd 0.05, layer decay 0.9, lr from {1e-4, 3e-4}) with the large encoder. simmim.txt C.1
# started ADE20K from the IN-1K fine-tuned weights: pass such a checkpoint to reproduce Table 12.
_base_ = './upernet_swin-base-w20_simmim_8xb4-80k_ade20k.py'
model = dict(
    backbone=dict(arch='large'),                                 # Swin-L: C=192, depths 2/2/18/2 (Table 8)
    decode_head=dict(in_channels=[192, 384, 768, 1536], channels=768),
    auxiliary_head=dict(in_channels=768))
mimbench = dict(backbone='swin-l')
