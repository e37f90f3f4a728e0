"""Keys and seals: how a student edition checks answers without holding them in clear."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
from collections.abc import Iterable, Mapping
from typing import Any

from autograder.quiz.schema import BankError, Question


def choice_key(salt: str, qid: str, indices: Iterable[int]) -> str:
    """The salted hash a student edition stores instead of the correct option set."""
    canon = ",".join(str(i) for i in sorted(set(indices)))
    return hashlib.sha256(f"dlcourse-quiz-key:{salt}:{qid}:{canon}".encode()).hexdigest()


def _keystream(salt: str, qid: str, size: int) -> bytes:
    seed = hashlib.sha256(f"dlcourse-quiz-seal:{salt}:{qid}".encode()).digest()
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(seed + counter.to_bytes(8, "big")).digest()
        counter += 1
    return bytes(out[:size])


def seal(payload: Mapping[str, Any], salt: str, qid: str) -> str:
    """Obfuscate `payload` (JSON) so that it cannot be read by opening the file."""
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
    mixed = bytes(a ^ b for a, b in zip(data, _keystream(salt, qid, len(data))))
    return base64.b64encode(mixed).decode("ascii")


def unseal(blob: str, salt: str, qid: str) -> dict[str, Any]:
    data = base64.b64decode(blob.encode("ascii"), validate=True)
    plain = bytes(a ^ b for a, b in zip(data, _keystream(salt, qid, len(data))))
    value = json.loads(plain.decode("utf-8"))
    if not isinstance(value, dict):
        raise ValueError("sealed payload is not a mapping")
    return value


def correct_indices(question: Question) -> frozenset[int]:
    """The correct option set of a choice question, in either edition.

    Indices are positions as the question shows its options (for a student's
    view, the student's order). A student edition knows only the hash of the
    bank's indices, so the set is found by trying every subset (at most 2**8
    of them) against it.
    """
    if question.key is None:
        return frozenset(i for i, o in enumerate(question.options) if o.correct)
    assert question.salt is not None
    n = len(question.options)
    sizes = [1] if question.kind == "single" else range(1, n + 1)
    for size in sizes:
        for combo in itertools.combinations(range(n), size):
            if choice_key(question.salt, question.id, combo) == question.key:
                return frozenset(question.shown_index(i) for i in combo)
    raise BankError(f"question {question.id}: its key matches no option set")


def choice_is_correct(question: Question, chosen: Iterable[int]) -> bool:
    """Whether `chosen` (positions as shown) is exactly the correct option set."""
    chosen_set = frozenset(chosen)
    if question.key is not None:
        assert question.salt is not None
        in_bank = (question.bank_index(i) for i in chosen_set)
        return choice_key(question.salt, question.id, in_bank) == question.key
    return chosen_set == correct_indices(question)
