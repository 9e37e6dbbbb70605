# mae.txt Table 1d "PCA": the decoder predicts the largest 96 PCA coefficients of each patch (axes estimated
# once, from the first training batch: mimbench.models.mae_targets.MAEPCAHead). Paper: 84.6 ft / 72.3 lin.
_base_ = './mae_vit-large-p16_8xb512-coslr-800e_in1k_pixel-no-norm.py'

model = dict(
    neck=dict(predict_feature_dim=96),              # mae.txt Sec. 4.1 "largest PCA coefficients (96 here)"
    head=dict(_delete_=True, type='mimbench.MAEPCAHead', num_components=96, patch_size=16,
              loss=dict(type='mmpretrain.PixelReconstructionLoss', criterion='L2')))   # MSE, masked patches
mimbench = dict(variant='pca-96', recipe='mae.txt Table 1d')
