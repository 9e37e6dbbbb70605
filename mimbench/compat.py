"""Placeholder; filled in by the foundation work."""


def apply():
    pass
