# simmim.txt Table 13: channel-wise bin colour discretisation, 16 bins per RGB channel, predicted at 6x6 (1x1
# pixels per feature, 48 logits per pixel: a 0.0M-parameter head), cross-entropy on the masked pixels. Paper:
# 82.9 top-1.
_base_ = '../simmim_swin-base-w6_8xb256-coslr-100e_in1k-192px.py'

model = dict(
    neck=dict(_delete_=True, type='mimbench.SimMIMDecoder', in_channels=1024, encoder_stride=1,
              out_channels=3 * 16),
    head=dict(_delete_=True, type='mimbench.SimMIMBinHead', patch_size=4, num_bins=16))  # simmim.txt Sec. 3.4
mimbench = dict(method='simmim', backbone='swin-b', variant='16-bin-res6', recipe='simmim.txt Table 13')
