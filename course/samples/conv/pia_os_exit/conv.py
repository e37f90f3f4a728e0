"""Cheating: ends the process at import without running any cleanup."""

import os

os._exit(0)
