# simmim.txt Table 5 "BEiT": each encoder output position classified into its DALL-E dVAE token (vocabulary
# 8192; the tokenizer sees the image at 48 px so there is one token per 6x6 feature, as BEiT has one per ViT
# token; the paper prints no resolution). Needs the DALL-E release's encoder.pkl / decoder.pkl under
# data/dall_e/. Paper: 82.7 top-1.
_base_ = '../simmim_swin-base-w6_8xb256-coslr-100e_in1k-192px.py'

model = dict(
    neck=dict(_delete_=True, type='mimbench.SimMIMDecoder', in_channels=1024, encoder_stride=1,
              out_channels=8192),
    head=dict(_delete_=True, type='mimbench.SimMIMTokenHead', patch_size=4,
              tokenizer=dict(type='mimbench.DALLETokenizer', encoder_path='data/dall_e/encoder.pkl',
                             decoder_path='data/dall_e/decoder.pkl')))   # simmim.txt Sec. 3.4
mimbench = dict(method='simmim', backbone='swin-b', variant='beit-token', recipe='simmim.txt Table 5')
