# CiM-RESPIX ViT-B/16 with mimbench's own VQ tokenizer instead of DALL-E's dVAE: for machines without the
# DALL-E files (cim.txt Sec. 3.4 names other tokenizers as open alternatives; the paper's numbers are DALL-E's).
# Train the tokenizer first with vqtokenizer_f8-k1024_8xb64-adamw-100e_in1k.py; its last checkpoint is read
# from the path below (or --cfg-options model.tokenizer.checkpoint=PATH). Everything else is the paper's recipe.
_base_ = './cim-respix_vit-base-p16_16xb128-coslr-300e_in1k.py'

model = dict(
    tokenizer=dict(
        _delete_=True,
        type='mimbench.VQTokenizer',       # same geometry as DALL-E: one token per 8x8 pixels
        vocab_size=1024, code_dims=64, channels=128, num_res_blocks=2,   # as the tokenizer config
        checkpoint='work_dirs/vqtokenizer_f8-k1024_8xb64-adamw-100e_in1k/epoch_100.pth'))
# which recipe of configs/recipes.csv this is (checked by tests/test_recipes.py)
mimbench = dict(recipe='cim.txt Table 9', method='cim-respix', backbone='vit-b')
