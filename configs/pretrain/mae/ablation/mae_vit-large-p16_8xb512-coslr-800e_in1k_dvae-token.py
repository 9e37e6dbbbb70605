# mae.txt Table 1d "dVAE token": the decoder predicts the DALL-E dVAE token of each masked patch with
# cross-entropy, as BEiT (tokenizer input 112 px). Needs the DALL-E release's encoder.pkl / decoder.pkl under
# data/dall_e/ (or --cfg-options model.head.tokenizer.encoder_path=...). Paper: 85.3 ft / 71.6 lin.
_base_ = './mae_vit-large-p16_8xb512-coslr-800e_in1k_pixel-no-norm.py'

model = dict(
    neck=dict(predict_feature_dim=8192),            # one logit per dVAE token (vocabulary 8192)
    head=dict(_delete_=True, type='mimbench.MAETokenHead', patch_size=16,
              tokenizer=dict(type='mimbench.DALLETokenizer', encoder_path='data/dall_e/encoder.pkl',
                             decoder_path='data/dall_e/decoder.pkl')))   # mae.txt Sec. 4.1 "following [17]"
mimbench = dict(variant='dvae-token', recipe='mae.txt Table 1d')
