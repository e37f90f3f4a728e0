"""Can a test-wise student pass the choice questions without knowing anything?

Two strategies that read only the shape of the options are measured over every
choice question of every bank, in English and in Korean:

- *longest*: pick the option with the most characters;
- *overlap*: pick the option that shares the most words with the question.

A third guess, answering 0 to a numeric question, must score only where the
answer is 0.

Ties split the credit equally (two tied options, one of them the key: half a
hit). For single-choice questions each strategy's hit rate must stay at or
below 1/3 over the whole course. For multiple-choice questions the longest
option may be a key at most 0.1 more often than a random option would be (the
mean fraction of keys among the options).

Run it as a script to see the figures per bank::

    .venv/bin/python tests/test_quiz_cues.py [BANK_DIR]
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from autograder.quiz.bank import Question, Quiz, correct_indices, load_quizzes, quiz_dir  # noqa: E402

SINGLE_BOUND = 1 / 3
MULTIPLE_MARGIN = 0.1
LANGS = ("en", "ko")

# Words too common to be a cue. Korean particles are cut off the end of a word
# (longest first), so that "손실을" and "손실은" both count as "손실".
_EN_STOP = frozenset(
    "a an the of to in on at by for with and or not no is are be been it its this that "
    "as from than then which what when how why does do did can only into per each all "
    "any one".split()
)
_KO_PARTICLES = sorted(
    "은 는 이 가 을 를 의 에 로 으로 와 과 도 만 에서 에게 까지 부터 보다 처럼 이다 인가 한다 하는 된다 되는".split(),
    key=len,
    reverse=True,
)
_WORD_RE = re.compile(r"\w+")


def words(text: str, lang: str) -> set[str]:
    """The content words of `text`, lowercased, particles cut off in Korean."""
    out = set()
    for word in _WORD_RE.findall(text.lower()):
        if lang == "en":
            if word in _EN_STOP:
                continue
        else:
            for particle in _KO_PARTICLES:
                if word.endswith(particle) and len(word) > len(particle):
                    word = word[: -len(particle)]
                    break
        out.add(word)
    return out


def _length(question: Question, index: int, lang: str) -> float:
    return float(len(question.options[index].text.get(lang).strip()))


def _overlap(question: Question, index: int, lang: str) -> float:
    asked = words(question.text.get(lang), lang)
    return float(len(words(question.options[index].text.get(lang), lang) & asked))


STRATEGIES: dict[str, Callable[[Question, int, str], float]] = {
    "longest": _length,
    "overlap": _overlap,
}


def picks(question: Question, lang: str, strategy: str) -> list[int]:
    """The options a strategy would pick, all of them when they tie."""
    score = STRATEGIES[strategy]
    scores = [score(question, i, lang) for i in range(len(question.options))]
    best = max(scores)
    return [i for i, s in enumerate(scores) if s == best]


def hit(question: Question, lang: str, strategy: str) -> float:
    """The fraction of the strategy's (tied) picks that are correct options."""
    chosen = picks(question, lang, strategy)
    keys = correct_indices(question)
    return sum(1 for i in chosen if i in keys) / len(chosen)


@dataclass
class Rates:
    """Hit rates of one group of questions (a bank or the whole course)."""

    single: int
    longest: float  # single choice, mean hit rate
    overlap: float
    multiple: int
    multi_longest: float  # multiple choice: how often the longest is a key
    multi_base: float  # mean fraction of keys among the options


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def rates(questions: Sequence[Question], lang: str) -> Rates:
    singles = [q for q in questions if q.kind == "single"]
    multis = [q for q in questions if q.kind == "multiple"]
    return Rates(
        single=len(singles),
        longest=_mean([hit(q, lang, "longest") for q in singles]),
        overlap=_mean([hit(q, lang, "overlap") for q in singles]),
        multiple=len(multis),
        multi_longest=_mean([hit(q, lang, "longest") for q in multis]),
        multi_base=_mean([len(correct_indices(q)) / len(q.options) for q in multis]),
    )


def _all_questions(quizzes: dict[str, Quiz]) -> list[Question]:
    return [q for quiz in quizzes.values() for q in quiz.questions]


def report(quizzes: dict[str, Quiz]) -> str:
    """A table of the rates of every bank and of the course, in both languages."""
    head = (
        f"{'bank':<18}{'lang':<5}{'single':>7}{'longest':>9}{'overlap':>9}"
        f"{'multi':>7}{'m-long':>8}{'m-base':>8}"
    )
    lines = [head, "-" * len(head)]
    groups = [(quiz_id, quiz.questions) for quiz_id, quiz in quizzes.items()]
    groups.append(("ALL", _all_questions(quizzes)))
    for name, questions in groups:
        for lang in LANGS:
            r = rates(questions, lang)
            flag = ""
            if r.longest > SINGLE_BOUND or r.overlap > SINGLE_BOUND:
                flag += " single>1/3"
            if r.multi_longest > r.multi_base + MULTIPLE_MARGIN:
                flag += " multi-longest"
            lines.append(
                f"{name:<18}{lang:<5}{r.single:>7}{r.longest:>9.3f}{r.overlap:>9.3f}"
                f"{r.multiple:>7}{r.multi_longest:>8.3f}{r.multi_base:>8.3f}{flag}"
            )
    lines.append(
        f"bounds: single-choice rates <= {SINGLE_BOUND:.3f}; "
        f"m-long <= m-base + {MULTIPLE_MARGIN} (over ALL)"
    )
    return "\n".join(lines)


# ---------------------------------------------------------------- the measures themselves


def _question(text: str, options: list[str], correct: set[int], kind: str = "single") -> Question:
    from autograder.quiz.bank import Option, Text

    return Question(
        id="q",
        kind=kind,
        text=Text(text, text),
        explanation=Text("x", "x"),
        tags=("mse",),
        options=tuple(Option(Text(o, o), i in correct) for i, o in enumerate(options)),
    )


def test_longest_picks_the_longest_and_ties_split_credit() -> None:
    q = _question("Which?", ["aa", "bbbb", "cc"], {1})
    assert picks(q, "en", "longest") == [1]
    assert hit(q, "en", "longest") == 1.0
    tied = _question("Which?", ["aaaa", "bbbb", "cc"], {1})
    assert hit(tied, "en", "longest") == 0.5


def test_overlap_counts_shared_content_words() -> None:
    q = _question(
        "Why does the loss of a deep network plateau?",
        ["The loss plateau of a deep network", "Because of the data", "Random"],
        {2},
    )
    assert picks(q, "en", "overlap") == [0]
    assert hit(q, "en", "overlap") == 0.0
    assert words("손실을 줄이는 방법", "ko") == {"손실", "줄이", "방법"}


def test_multiple_choice_rates_compare_with_the_base_rate() -> None:
    q = _question("Which?", ["a long key option", "b", "another key", "d"], {0, 2}, "multiple")
    r = rates([q], "en")
    assert r.multiple == 1 and r.multi_longest == 1.0 and r.multi_base == 0.5


# ---------------------------------------------------------------- the course's banks


@pytest.fixture(scope="module")
def quizzes() -> dict[str, Quiz]:
    return load_quizzes(quiz_dir(ROOT))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_single_choice_cannot_be_passed_by_shape(
    quizzes: dict[str, Quiz], lang: str, strategy: str
) -> None:
    singles = [q for q in _all_questions(quizzes) if q.kind == "single"]
    assert singles
    rate = _mean([hit(q, lang, strategy) for q in singles])
    assert rate <= SINGLE_BOUND, (
        f"picking the {strategy} option answers {rate:.3f} of {len(singles)} single-choice "
        f"questions ({lang}); the bound is {SINGLE_BOUND:.3f}\n{report(quizzes)}"
    )


@pytest.mark.parametrize("lang", LANGS)
def test_longest_option_is_no_cue_in_multiple_choice(quizzes: dict[str, Quiz], lang: str) -> None:
    r = rates(_all_questions(quizzes), lang)
    assert r.multiple
    assert r.multi_longest <= r.multi_base + MULTIPLE_MARGIN, (
        f"the longest option is a key in {r.multi_longest:.3f} of the multiple-choice "
        f"questions ({lang}), against a base rate of {r.multi_base:.3f}\n{report(quizzes)}"
    )


def test_zero_is_no_free_answer(quizzes: dict[str, Quiz]) -> None:
    """Can a tiny numeric answer be answered with 0? Only a question whose answer is 0 may accept it."""
    from autograder.quiz.bank import draw_values, expected_number, student_seed
    from autograder.quiz.engine import is_correct

    free = set()
    for q in _all_questions(quizzes):
        if q.is_choice:
            continue
        for student in (f"z{i:03d}" for i in range(200)):
            values = draw_values(q, student_seed(student))
            want = expected_number(q, values)
            if abs(want) > 1e-12 and is_correct(q, 0.0, values):
                free.add(q.id)
    assert not free, (
        f"0 scores on {sorted(free)}: ask for significant digits or a relative tolerance"
    )


if __name__ == "__main__":
    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else quiz_dir(ROOT)
    print(report(load_quizzes(directory)))
