"""mimbench.datasets"""
