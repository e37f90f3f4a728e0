"""dlcourse: an auto-graded deep-learning course.

The package holds the CLI (`dlcourse`), the grading engine and its sandbox, the
per-assignment checks, the quiz engine and the release/export tools.
"""

__version__ = "0.1.0"
