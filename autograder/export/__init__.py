"""Exports of an assignment's autograder to the platforms instructors already use.

`gradescope` writes Gradescope's autograder zip (setup.sh, run_autograder and
the grader with the reference and hidden checks of one assignment). The zip is
the instructor's: it holds the solutions and must never reach students.
"""
