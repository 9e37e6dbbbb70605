# simmim.txt Table 5 (also simmim.txt Table 13): channel-wise bin colour discretisation, 256 bins per RGB
# channel, predicted at 192x192 (32x32 pixels per feature, 768 logits per pixel: a 805.3M-parameter head),
# cross-entropy on the masked pixels. Paper: N/A (no result printed).
_base_ = '../simmim_swin-base-w6_8xb256-coslr-100e_in1k-192px.py'

model = dict(
    neck=dict(_delete_=True, type='mimbench.SimMIMDecoder', in_channels=1024, encoder_stride=32,
              out_channels=3 * 256),
    head=dict(_delete_=True, type='mimbench.SimMIMBinHead', patch_size=4, num_bins=256))   # Sec. 3.4
mimbench = dict(method='simmim', backbone='swin-b', variant='256-bin-res192', recipe='simmim.txt Table 5')
