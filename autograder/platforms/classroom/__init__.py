"""GitHub Classroom: a starter repository whose workflow runs the public checks.

`export` writes the repository (`dlcourse export classroom ID --out DIR`);
`task` is what each autograding test of its workflow runs after
`dlcourse check ID --json`, inside the student's repository.
"""
