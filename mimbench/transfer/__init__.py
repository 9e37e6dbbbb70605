"""mimbench.transfer"""
