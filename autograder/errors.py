"""Expected errors and the exit status of every command, in one place.

`CourseError` is what a command may fail with for a reason a person can fix:
no course here, a bad course.toml or quiz bank, an unknown assignment or
quiz, an unreadable submission, a bad argument. Every command line of the
course (`dlcourse`, its `quiz` and `gradebook` groups) reports one as a single
`error:` line and exits with EXIT_ERROR; anything else is a bug and shows its
traceback. The exit status, for every command:

- EXIT_OK (0): it did what was asked;
- EXIT_NO (1): it ran and the answer is no (a failing self-check, a regrade
  that differs, assignments/ out of sync with solutions/);
- EXIT_ERROR (2): it could not run (a usage error or a `CourseError`).
"""

from __future__ import annotations

EXIT_OK, EXIT_NO, EXIT_ERROR = 0, 1, 2


class CourseError(Exception):
    """An expected error: the command says it in one line and exits with EXIT_ERROR."""


class UsageError(CourseError, ValueError):
    """An argument a library function cannot work with (a language, a student id...)."""
