"""Checks of the normalization assignment."""
