# Smoke variant of cim-respix_vit-base-p16-vqtok_16xb128-coslr-300e_in1k.py: vit-smoke enhancer, 64 px, the
# small VQ tokenizer of vqtokenizer_f8-k1024_8xb64-adamw-100e_in1k_smoke.py (random unless
# --cfg-options model.tokenizer.checkpoint=PATH names that run's checkpoint), batch 4, 2 epochs on generated
# images. Generator, sampling, corruption, objective and schedule shape are the full recipe's.
_base_ = ['./cim-respix_vit-base-p16-vqtok_16xb128-coslr-300e_in1k.py',
          '../../_base_/pretrain/imagenet_pretrain_smoke.py']

train_dataloader = dict(_delete_=True, **_base_.smoke_train_dataloader)
model = dict(
    num_masked=(8, 10),                      # 50-60% of the 16 tokens at 64 px, as 100-120 of 196 (cim.txt Table 9)
    backbone=dict(arch=dict(_delete_=True, embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384),
                  img_size=64),              # vit-smoke
    tokenizer=dict(vocab_size=64, code_dims=16, channels=32, num_res_blocks=1, checkpoint=None),
    generator=dict(embed_dims=96, num_layers=3, num_heads=3, feedforward_channels=384, img_size=64),
    head=dict(in_channels=96))
optim_wrapper = dict(optimizer=dict(lr=1.5e-3 * 4 / 2048))   # the full recipe's lr, linearly scaled to batch 4
auto_scale_lr = dict(base_batch_size=4)
param_scheduler = _base_.smoke_param_scheduler
train_cfg = _base_.smoke_train_cfg
default_hooks = _base_.smoke_default_hooks
env_cfg = dict(dist_cfg=dict(backend='gloo'))
