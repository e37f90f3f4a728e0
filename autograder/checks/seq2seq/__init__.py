"""Checks of the seq2seq assignment (encoder-decoder GRU with additive attention)."""
