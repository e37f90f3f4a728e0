"""Checks of the bert assignment (BERT's pre-training pieces on the student's own blocks)."""
