"""Readers: each turns one input format into :mod:`lockmigrate.model` objects."""
