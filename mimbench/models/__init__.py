"""mimbench.models"""
