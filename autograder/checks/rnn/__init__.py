"""Checks of the rnn assignment."""
