"""`python -m autograder.cli`: the `dlcourse` command."""

from autograder.cli import main

main()
