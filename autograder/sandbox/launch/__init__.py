"""Launchers: one file per backend that starts a sandboxed program (see `base.Launcher`).

Which one runs the workers on this machine is chosen in one place,
`autograder.sandbox.isolation.launcher()`.
"""
