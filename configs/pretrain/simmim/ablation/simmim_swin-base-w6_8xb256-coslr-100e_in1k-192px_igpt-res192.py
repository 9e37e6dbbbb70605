# simmim.txt Table 5 "iGPT cluster" at 192x192: each pixel classified into the nearest of iGPT's 512 k-means
# colour centres. Needs iGPT's kmeans_centers.npy under data/igpt/ (or --cfg-options model.head.clusters=...).
# Paper: N/A (no result printed).
_base_ = '../simmim_swin-base-w6_8xb256-coslr-100e_in1k-192px.py'

model = dict(
    neck=dict(_delete_=True, type='mimbench.SimMIMDecoder', in_channels=1024, encoder_stride=32,
              out_channels=512),
    head=dict(_delete_=True, type='mimbench.SimMIMClusterHead', patch_size=4,
              clusters='data/igpt/kmeans_centers.npy'))   # simmim.txt Sec. 3.4
mimbench = dict(method='simmim', backbone='swin-b', variant='igpt-res192', recipe='simmim.txt Table 5')
