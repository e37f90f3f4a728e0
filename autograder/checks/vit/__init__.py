"""Checks of the vit assignment (a Vision Transformer built on the student's own blocks)."""
