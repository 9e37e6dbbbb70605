"""The papers' training recipes as checked data.

``configs/recipes.csv`` transcribes every recipe value of the four papers (and of the official releases where
they differ or fill a gap), one row per value, with its source (:mod:`mimbench.recipes.table`). Every full
config names its recipe (``mimbench = dict(recipe=...)``); :mod:`mimbench.recipes.effective` reads what a
resolved config will actually train with (lr at its total batch, absolute milestones, the block a head
reads...), :mod:`mimbench.recipes.check` compares the two, and :mod:`mimbench.recipes.coverage` maps every
paper result row to the config that reproduces it (``mimbench recipes``).
"""
