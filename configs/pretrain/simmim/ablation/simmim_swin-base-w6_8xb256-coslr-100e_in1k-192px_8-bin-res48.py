# simmim.txt Table 5 (also simmim.txt Table 13): channel-wise bin colour discretisation, 8 bins per RGB
# channel, predicted at 48x48 (8x8 pixels per feature, 24 logits per pixel: a 1.6M-parameter head),
# cross-entropy on the masked pixels. Paper: 82.7 top-1.
_base_ = '../simmim_swin-base-w6_8xb256-coslr-100e_in1k-192px.py'

model = dict(
    neck=dict(_delete_=True, type='mimbench.SimMIMDecoder', in_channels=1024, encoder_stride=8,
              out_channels=3 * 8),
    head=dict(_delete_=True, type='mimbench.SimMIMBinHead', patch_size=4, num_bins=8))  # simmim.txt Sec. 3.4
mimbench = dict(method='simmim', backbone='swin-b', variant='8-bin-res48', recipe='simmim.txt Table 5')
