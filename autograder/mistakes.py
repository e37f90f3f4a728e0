"""Compatibility shim: new code imports autograder.checkkit (`autograder.checkkit.mutants`)."""

from autograder.checkkit.mutants import (
    Mistake,
    MistakeSpecError,
    load_mutant,
    mutant_source,
    reference_path,
    write_mutant,
)

__all__ = [
    "Mistake",
    "MistakeSpecError",
    "load_mutant",
    "mutant_source",
    "reference_path",
    "write_mutant",
]
