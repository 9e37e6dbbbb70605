# simmim.txt Table 5: l2 regression of the masked pixels instead of l1. Paper: 82.7 top-1.
_base_ = '../simmim_swin-base-w6_8xb256-coslr-100e_in1k-192px.py'

model = dict(head=dict(_delete_=True, type='mimbench.SimMIMPixelHead', patch_size=4, criterion='l2'))
mimbench = dict(method='simmim', backbone='swin-b', variant='l2-res192', recipe='simmim.txt Table 5')
