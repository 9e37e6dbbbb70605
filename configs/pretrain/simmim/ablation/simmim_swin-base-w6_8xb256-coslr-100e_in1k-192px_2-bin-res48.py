# simmim.txt Table 13: channel-wise bin colour discretisation, 2 bins per RGB channel, predicted at 48x48 (8x8
# pixels per feature, 6 logits per pixel: a 0.4M-parameter head), cross-entropy on the masked pixels. Paper:
# 82.5 top-1.
_base_ = '../simmim_swin-base-w6_8xb256-coslr-100e_in1k-192px.py'

model = dict(
    neck=dict(_delete_=True, type='mimbench.SimMIMDecoder', in_channels=1024, encoder_stride=8,
              out_channels=3 * 2),
    head=dict(_delete_=True, type='mimbench.SimMIMBinHead', patch_size=4, num_bins=2))  # simmim.txt Sec. 3.4
mimbench = dict(method='simmim', backbone='swin-b', variant='2-bin-res48', recipe='simmim.txt Table 13')
