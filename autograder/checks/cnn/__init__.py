"""Checks of the cnn assignment (PyTorch capstone: a small CNN trained end to end)."""
