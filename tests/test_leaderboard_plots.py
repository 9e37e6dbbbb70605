"""FLOPs-vs-metric plots (mixmim.txt Fig. 2): only encoder FLOPs, one point per method and size."""
import pandas as pd

from mimbench.leaderboard.plots import plot_points
from mimbench.leaderboard.reference import load_reference


def test_in1k_points_are_table2_encoders_at_longest_pretraining():
    points = plot_points(load_reference(), pd.DataFrame(), 'in1k', 'top1')
    assert points.flops_g.max() < 20          # MixMIM Table 10's 115 G (a pre-training step) is not plotted
    mixmim = points[points.method == 'mixmim']
    assert len(mixmim) == 1 and mixmim.value.item() == 85.1 and mixmim.pretrain_epochs.item() == 600  # Table 2
    assert not points.duplicated(['method', 'backbone']).any()
