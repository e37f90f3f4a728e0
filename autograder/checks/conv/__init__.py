"""Checks of the conv assignment."""
