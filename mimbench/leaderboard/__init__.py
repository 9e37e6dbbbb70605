"""mimbench.leaderboard: the papers' comparison tables regenerated next to mimbench's own results.

``build_leaderboards(record_dirs, out_dir, papers=None, tasks=None)`` is the entry point (also behind
``mimbench leaderboard``); see mimbench.leaderboard.build for the output layout.
"""
from mimbench.leaderboard.build import build_leaderboards, check_leaderboards  # noqa: F401
