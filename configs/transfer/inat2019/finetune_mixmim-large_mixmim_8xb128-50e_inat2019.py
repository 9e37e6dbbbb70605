# MixMIM-L end-to-end fine-tuning on iNaturalist 2019 (mixmim.txt Table 5: 83.9) with MixMIM's recipe for
# iNaturalist and Places (mixmim.txt Sec. 8 -> Table 12): its values and their sources are in
# configs/_base_/recipes/mixmim-sec8_mixmim-large.py.
_base_ = ['../../_base_/recipes/mixmim-sec8_mixmim-large.py', '../../_base_/datasets/inat2019.py']
model = dict(head=dict(num_classes=_base_.num_classes))
mimbench = dict(task='inat2019')
