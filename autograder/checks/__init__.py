"""Per-assignment checks: autograder/checks/<id>/test_public.py and test_hidden.py."""
