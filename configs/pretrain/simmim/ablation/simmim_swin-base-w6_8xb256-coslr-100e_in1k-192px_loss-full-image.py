# simmim.txt Table 4 "full image": the l1 loss over masked and visible pixels (prediction and reconstruction)
# instead of the masked area only. Paper: 81.7 top-1 (vs. 82.8).
_base_ = '../simmim_swin-base-w6_8xb256-coslr-100e_in1k-192px.py'

model = dict(head=dict(_delete_=True, type='mimbench.SimMIMPixelHead', patch_size=4, criterion='l1',
                       loss_area='full'))           # simmim.txt Sec. 4.1.5 "Prediction or reconstruction?"
mimbench = dict(method='simmim', backbone='swin-b', variant='loss-full-image', recipe='simmim.txt Table 4')
