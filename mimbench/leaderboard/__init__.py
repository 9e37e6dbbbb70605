"""mimbench.leaderboard"""
