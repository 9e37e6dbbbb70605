# Smoke variant of simmim_swin-large-w12_8xb256-steplr-800e_in1k-192px.py: every Swin size shrinks to the same
# swin-smoke encoder, so this is the Swin-B 800-epoch smoke variant (method, step schedule shape, 64 px, batch
# 4).
_base_ = './simmim_swin-base-w6_8xb256-steplr-800e_in1k-192px_smoke.py'
