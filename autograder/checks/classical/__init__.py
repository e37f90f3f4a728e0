"""Checks of the classical assignment (classical machine learning in numpy)."""
