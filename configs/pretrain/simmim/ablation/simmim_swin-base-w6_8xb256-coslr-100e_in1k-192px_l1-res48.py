# simmim.txt Table 3 (and Table 5 for 48 and 6): predict the image at 48x48 (48/192 of the input): the linear
# head outputs 8x8 pixels per 32-px feature and the target is the image average-pooled to 48x48. Paper: 82.7
# top-1.
_base_ = '../simmim_swin-base-w6_8xb256-coslr-100e_in1k-192px.py'

model = dict(
    neck=dict(encoder_stride=8),                   # 48 = 6 features x 8 (simmim.txt Sec. 4.1.4)
    head=dict(_delete_=True, type='mimbench.SimMIMPixelHead', patch_size=4, criterion='l1'))
mimbench = dict(method='simmim', backbone='swin-b', variant='l1-res48', recipe='simmim.txt Table 3')
