# simmim.txt Table 2: an inverse Swin-T as the prediction head instead of one linear layer. Paper: 82.4 top-1,
# 115.2M parameters, 1.7x the training cost of the linear head.
_base_ = '../simmim_swin-base-w6_8xb256-coslr-100e_in1k-192px.py'

model = dict(neck=dict(_delete_=True, type='mimbench.InverseSwinDecoder', in_channels=1024, arch='tiny',
              window_size=6))   # simmim.txt Sec. 4.1.3
mimbench = dict(method='simmim', backbone='swin-b', variant='inverse-swin-t', recipe='simmim.txt Table 2')
