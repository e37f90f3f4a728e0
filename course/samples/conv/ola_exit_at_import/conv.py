"""Cheating: exits with status 0 while being imported, hoping to look like success."""

import sys

print("=" * 30, "48 passed in 0.50s", "=" * 30)
sys.exit(0)
