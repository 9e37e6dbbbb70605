# simmim.txt Table 2: a 2-layer MLP (hidden 1024, GELU) as the prediction head instead of one linear layer.
# Paper: 82.8 top-1, 90.9M parameters, 1.2x the training cost of the linear head.
_base_ = '../simmim_swin-base-w6_8xb256-coslr-100e_in1k-192px.py'

model = dict(neck=dict(_delete_=True, type='mimbench.SimMIMDecoder', in_channels=1024, encoder_stride=32,
              hidden_channels=1024))   # simmim.txt Sec. 4.1.3
mimbench = dict(method='simmim', backbone='swin-b', variant='2-layer-mlp', recipe='simmim.txt Table 2')
