# MixMIM-L end-to-end fine-tuning on Places205 (mixmim.txt Table 5: 69.3) with MixMIM's recipe for iNaturalist
# and Places (mixmim.txt Sec. 8 -> Table 12): its values and their sources are in
# configs/_base_/recipes/mixmim-sec8_mixmim-large.py.
_base_ = ['../../_base_/recipes/mixmim-sec8_mixmim-large.py', '../../_base_/datasets/places205.py']
model = dict(head=dict(num_classes=_base_.num_classes))
mimbench = dict(task='places205')
