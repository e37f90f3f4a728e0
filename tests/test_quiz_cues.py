"""Can a test-wise student pass the choice questions without knowing anything?

Every strategy of `quiz_cues` (longest, shortest, second shortest, second
longest, most words shared with the question, most words shared with the other
options, the one option whose final period differs; for multiple choice every
"pick the k shortest / k longest") is measured over all choice questions of
the course, in English and in Korean, and held to the bounds written there:
30% over all banks and 40% in a bank with 15 or more questions of the kind for
single choice, 20% exactly right for multiple choice. A numeric question must
not accept 0 unless 0 is its answer.

Run it as a script to see the figures per bank::

    .venv/bin/python tests/test_quiz_cues.py [BANK_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "tests"):  # run as a script from anywhere
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from quiz_cues import (  # noqa: E402
    BANK_BOUND,
    BANK_MIN,
    COURSE_BOUND,
    LANGS,
    MULTI_COURSE_BOUND,
    MULTIPLE_MARGIN,
    STRATEGIES,
    all_questions,
    hit,
    longest_is_key,
    mean,
    multi_hit,
    multi_rates,
    multi_strategies,
    multiples,
    report,
    singles,
    words,
)

from autograder.quiz.bank import Question, Quiz, correct_indices, load_quizzes, quiz_dir  # noqa: E402

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


def test_longest_and_shortest_pick_by_length_and_ties_split_credit() -> None:
    """Do the length strategies pick by length, a tie giving each tied option an equal share?"""
    q = _question("Which?", ["aa", "bbbb", "c", "ddd"], {1})
    assert hit(q, "en", "longest") == 1.0
    assert hit(q, "en", "shortest") == 0.0
    tied = _question("Which?", ["aaaa", "bbbb", "cc", "d"], {1})
    assert hit(tied, "en", "longest") == 0.5


def test_second_shortest_is_the_second_place_by_length() -> None:
    """Does "second" pick the option just above the shortest, sharing a tie over places 2 and 3?"""
    q = _question("Which?", ["aaaa", "bb", "c", "ddd"], {1})
    assert hit(q, "en", "second") == 1.0
    tied = _question("Which?", ["aaaa", "bb", "c", "dd"], {1})
    assert hit(tied, "en", "second") == 0.5
    first_tied = _question("Which?", ["a", "b", "ccc", "dddd"], {0})
    assert hit(first_tied, "en", "second") == 0.5


def test_stem_overlap_counts_words_shared_with_the_question() -> None:
    """Does "stem" pick the option that repeats the most content words of the question?"""
    q = _question(
        "Why does the loss of a deep network plateau?",
        ["The loss plateau of a deep network", "Because of the data", "Random", "None"],
        {2},
    )
    assert STRATEGIES["stem"](q, "en") == [1.0, 0.0, 0.0, 0.0]
    assert hit(q, "en", "stem") == 0.0
    assert words("손실을 줄이는 방법", "ko") == {"손실", "줄이", "방법"}


def test_others_overlap_finds_the_option_the_distractors_vary() -> None:
    """Does "others" pick the option sharing the most words with the rest of the options?"""
    q = _question(
        "Which is right?",
        [
            "weights grow with the learning rate",
            "weights shrink with the learning rate",
            "weights grow with the batch size",
            "nothing happens at all",
        ],
        {0},
    )
    # Option 1 shares {weights, learning, rate} with option 2 and {weights, grow} with option 3.
    assert STRATEGIES["others"](q, "en") == [1.0, 0.0, 0.0, 0.0]


def test_period_strategy_needs_one_odd_option_and_otherwise_guesses() -> None:
    """Does "period" pick the one option whose final period differs, and guess when none does?"""
    q = _question("Which?", ["One.", "Two.", "Three", "Four."], {2})
    assert hit(q, "en", "period") == 1.0
    only_period = _question("Which?", ["One", "Two.", "Three", "Four"], {2})
    assert hit(only_period, "en", "period") == 0.0
    mixed = _question("Which?", ["One.", "Two.", "Three", "Four"], {2})
    assert hit(mixed, "en", "period") == 0.25


def test_k_shortest_scores_only_an_exactly_right_set() -> None:
    """Does "the k shortest" score only when its k options are exactly the keys?"""
    q = _question("Which?", ["a", "bb", "ccc", "dddd", "eeeee"], {0, 1}, "multiple")
    assert multi_hit(q, "en", "shortest-2") == 1.0
    assert multi_hit(q, "en", "shortest-3") == 0.0
    assert multi_hit(q, "en", "longest-2") == 0.0
    tied = _question("Which?", ["a", "bb", "cc", "dddd"], {0, 1}, "multiple")
    assert multi_hit(tied, "en", "shortest-2") == 0.5  # one of the two ties at the cut


def test_multiple_choice_longest_key_rate_and_base_rate() -> None:
    """Is the longest option's key rate compared with the mean fraction of keys?"""
    q = _question("Which?", ["a long key option", "b", "another key", "d"], {0, 2}, "multiple")
    assert longest_is_key(q, "en") == 1.0
    assert multi_strategies([q]) == [
        "shortest-1",
        "shortest-2",
        "shortest-3",
        "longest-1",
        "longest-2",
        "longest-3",
    ]


# ---------------------------------------------------------------- the course's banks


@pytest.fixture(scope="module")
def quizzes() -> dict[str, Quiz]:
    return load_quizzes(quiz_dir(ROOT))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_single_choice_cannot_be_passed_by_shape(
    quizzes: dict[str, Quiz], lang: str, strategy: str
) -> None:
    """Does every shape strategy stay at or below 30% over the course and 40% in each large bank?"""
    questions = singles(all_questions(quizzes))
    assert questions
    rate = mean([hit(q, lang, strategy) for q in questions])
    assert rate <= COURSE_BOUND, (
        f"picking the {strategy} option answers {rate:.3f} of {len(questions)} single-choice "
        f"questions ({lang}); the bound is {COURSE_BOUND:.2f}\n{report(quizzes)}"
    )
    for quiz_id, quiz in quizzes.items():
        group = singles(quiz.questions)
        if len(group) < BANK_MIN:
            continue
        rate = mean([hit(q, lang, strategy) for q in group])
        assert rate <= BANK_BOUND, (
            f"{quiz_id}: picking the {strategy} option answers {rate:.3f} of {len(group)} "
            f"single-choice questions ({lang}); the bound is {BANK_BOUND:.2f}\n{report(quizzes)}"
        )


@pytest.mark.parametrize("lang", LANGS)
def test_no_fixed_count_of_short_or_long_options_answers_multiple_choice(
    quizzes: dict[str, Quiz], lang: str
) -> None:
    """Does no "pick the k shortest / k longest" get more than 20% of multiple-choice questions exactly right?"""
    everything = all_questions(quizzes)
    assert multiples(everything)
    strategies = multi_strategies(everything)
    rates = multi_rates(everything, lang, strategies)
    worst = max(rates, key=rates.__getitem__)
    assert rates[worst] <= MULTI_COURSE_BOUND, (
        f"picking the {worst} options answers {rates[worst]:.3f} of the multiple-choice "
        f"questions exactly ({lang}); the bound is {MULTI_COURSE_BOUND:.2f}\n{report(quizzes)}"
    )
    for quiz_id, quiz in quizzes.items():
        if len(multiples(quiz.questions)) < BANK_MIN:
            continue
        rates = multi_rates(quiz.questions, lang, strategies)
        assert max(rates.values()) <= BANK_BOUND, (quiz_id, lang, rates)


@pytest.mark.parametrize("lang", LANGS)
def test_longest_option_is_no_cue_in_multiple_choice(quizzes: dict[str, Quiz], lang: str) -> None:
    """Is the longest option of a multiple-choice question a key no more often than any option?"""
    group = multiples(all_questions(quizzes))
    assert group
    m_long = mean([longest_is_key(q, lang) for q in group])
    m_base = mean([len(correct_indices(q)) / len(q.options) for q in group])
    assert m_long <= m_base + MULTIPLE_MARGIN, (
        f"the longest option is a key in {m_long:.3f} of the multiple-choice "
        f"questions ({lang}), against a base rate of {m_base:.3f}\n{report(quizzes)}"
    )


def test_zero_is_no_free_answer(quizzes: dict[str, Quiz]) -> None:
    """Can a tiny numeric answer be answered with 0? Only a question whose answer is 0 may accept it."""
    from autograder.quiz.bank import draw_values, expected_number, student_seed
    from autograder.quiz.engine import is_correct

    free = set()
    for q in all_questions(quizzes):
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
