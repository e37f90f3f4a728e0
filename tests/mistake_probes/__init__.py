"""Per-assignment probes: `PROBES[task](module) -> list of outputs` (see test_mistakes.py)."""
