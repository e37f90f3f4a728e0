"""The shape cues a test-wise student can use on choice questions, and how well they work.

A test-wise student reads only the shape of the options. Every strategy below is
measured over every choice question of every bank, in English and in Korean.

Single choice (one key), the strategies pick:

- *longest*: the option with the most characters;
- *shortest*: the option with the fewest characters;
- *second*: the second-shortest option (authors who pad distractors often
  leave the key just above the shortest one), and *2nd-long*, the
  second-longest, so that no place in the order of lengths is a cue;
- *stem*: the option that shares the most content words with the question;
- *others*: the option that shares the most content words with the other
  options (the key is often the "centre" that the distractors vary);
- *period*: the only option whose final period differs from all the others
  (the key, written last or copied from the notes, is often the only one
  without a final period). Where no option stands out this way the student
  has no cue and guesses.

Multiple choice (one or more keys), the fixed strategies "pick the k shortest"
and "pick the k longest", for every k, score only when the picked set is
exactly the set of keys (the grading rule). Varying how many options are keys
is what defeats them. The course also keeps the longest option from being a
key more often than a random option would be.

Ties split the credit as a random tie-break would: two tied options, one of
them the key, make half a hit; a strategy that finds no cue scores the chance
of a guess. The bounds (chance is 1 / number of options, 25% for four):

- single choice: every strategy answers at most 30% of the questions over all
  banks (each language), and at most 40% in any bank with 15 or more single
  choice questions;
- multiple choice: no "k shortest" or "k longest" gets more than 20% of the
  questions exactly right over all banks (each language), nor more than 40%
  in a bank with 15 or more multiple choice questions; the longest option is a
  key at most 0.1 more often than the mean fraction of keys.

A third guess, answering 0 to a numeric question, must score only where the
answer is 0.

The measures live here; `tests/test_quiz_cues.py` asserts the bounds on the
course's banks and prints this module's `report` when run as a script::

    .venv/bin/python tests/test_quiz_cues.py [BANK_DIR]
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from autograder.quiz.bank import Question, Quiz, correct_indices

COURSE_BOUND = 0.30  # single choice, all banks together
BANK_BOUND = 0.40  # single or multiple choice, one bank with BANK_MIN questions of the kind
BANK_MIN = 15
MULTI_COURSE_BOUND = 0.20  # multiple choice "k shortest / k longest", all banks together
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


def _texts(question: Question, lang: str) -> list[str]:
    return [option.text.get(lang).strip() for option in question.options]


def _lengths(question: Question, lang: str) -> list[float]:
    return [float(len(text)) for text in _texts(question, lang)]


def rank_chances(scores: Sequence[float], rank: int) -> list[float]:
    """For each option, the chance that it holds place `rank` (1 = highest score).

    Tied options share their places at random, so each of t options tied over
    places a..a+t-1 holds any one of them with chance 1/t.
    """
    out = []
    for s in scores:
        above = sum(1 for other in scores if other > s)
        tied = sum(1 for other in scores if other == s)
        out.append(1.0 / tied if above < rank <= above + tied else 0.0)
    return out


def _longest(question: Question, lang: str) -> list[float]:
    return rank_chances(_lengths(question, lang), 1)


def _shortest(question: Question, lang: str) -> list[float]:
    return rank_chances([-n for n in _lengths(question, lang)], 1)


def _second_shortest(question: Question, lang: str) -> list[float]:
    return rank_chances([-n for n in _lengths(question, lang)], 2)


def _second_longest(question: Question, lang: str) -> list[float]:
    return rank_chances(_lengths(question, lang), 2)


def _stem_overlap(question: Question, lang: str) -> list[float]:
    asked = words(question.text.get(lang), lang)
    return rank_chances([len(words(t, lang) & asked) for t in _texts(question, lang)], 1)


def _others_overlap(question: Question, lang: str) -> list[float]:
    bags = [words(t, lang) for t in _texts(question, lang)]
    shared = [
        sum(len(bag & other) for j, other in enumerate(bags) if j != i)
        for i, bag in enumerate(bags)
    ]
    return rank_chances(shared, 1)


def ends_with_period(text: str) -> bool:
    return text.rstrip().endswith((".", "。"))


def _odd_period(question: Question, lang: str) -> list[float]:
    ends = [ends_with_period(t) for t in _texts(question, lang)]
    count = len(ends)
    odd = [i for i, e in enumerate(ends) if ends.count(e) == 1]
    if count >= 3 and len(odd) == 1:
        return [1.0 if i == odd[0] else 0.0 for i in range(count)]
    return [1.0 / count] * count  # no cue: a guess


# Each strategy gives, per option, the chance that a student following it picks that option.
STRATEGIES: dict[str, Callable[[Question, str], list[float]]] = {
    "longest": _longest,
    "shortest": _shortest,
    "second": _second_shortest,
    "2nd-long": _second_longest,
    "stem": _stem_overlap,
    "others": _others_overlap,
    "period": _odd_period,
}


def hit(question: Question, lang: str, strategy: str) -> float:
    """The expected credit of a single-choice strategy: the chance it picks the key."""
    chances = STRATEGIES[strategy](question, lang)
    return sum(chances[i] for i in correct_indices(question))


def exact_set_chance(scores: Sequence[float], k: int, keys: set[int]) -> float:
    """The chance that "pick the k highest-scoring options" picks exactly `keys`.

    Options tied at the cut are chosen at random among themselves.
    """
    if len(keys) != k or k >= len(scores):
        return 0.0
    cut = sorted(scores, reverse=True)[k - 1]
    surely = {i for i, s in enumerate(scores) if s > cut}
    tied = {i for i, s in enumerate(scores) if s == cut}
    if not surely <= keys or not keys - surely <= tied:
        return 0.0
    return 1.0 / math.comb(len(tied), k - len(surely))


def multi_hit(question: Question, lang: str, strategy: str) -> float:
    """The chance that a fixed multiple-choice strategy ("shortest-3") picks exactly the keys."""
    end, k = strategy.rsplit("-", 1)
    lengths = _lengths(question, lang)
    scores = lengths if end == "longest" else [-n for n in lengths]
    return exact_set_chance(scores, int(k), set(correct_indices(question)))


def multi_strategies(questions: Sequence[Question]) -> list[str]:
    """Every "pick the k shortest" and "pick the k longest" that a question could reward."""
    most = max((len(q.options) for q in questions if q.kind == "multiple"), default=2)
    return [f"{end}-{k}" for end in ("shortest", "longest") for k in range(1, most)]


def longest_is_key(question: Question, lang: str) -> float:
    chances = _longest(question, lang)
    return sum(chances[i] for i in correct_indices(question))


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def singles(questions: Sequence[Question]) -> list[Question]:
    return [q for q in questions if q.kind == "single"]


def multiples(questions: Sequence[Question]) -> list[Question]:
    return [q for q in questions if q.kind == "multiple"]


def single_rates(questions: Sequence[Question], lang: str) -> dict[str, float]:
    group = singles(questions)
    return {s: mean([hit(q, lang, s) for q in group]) for s in STRATEGIES}


def multi_rates(
    questions: Sequence[Question], lang: str, strategies: Sequence[str]
) -> dict[str, float]:
    group = multiples(questions)
    return {s: mean([multi_hit(q, lang, s) for q in group]) for s in strategies}


def all_questions(quizzes: dict[str, Quiz]) -> list[Question]:
    return [q for quiz in quizzes.values() for q in quiz.questions]


def _groups(quizzes: dict[str, Quiz]) -> list[tuple[str, list[Question]]]:
    groups = [(quiz_id, list(quiz.questions)) for quiz_id, quiz in quizzes.items()]
    groups.append(("ALL", all_questions(quizzes)))
    return groups


def report(quizzes: dict[str, Quiz]) -> str:
    """Tables of every strategy's rate per bank and for the course, in both languages."""
    names = list(STRATEGIES)
    head = f"{'bank':<17}{'lang':<5}{'n':>4}" + "".join(f"{s:>9}" for s in names)
    lines = ["single choice: chance that the strategy picks the key", head, "-" * len(head)]
    for name, questions in _groups(quizzes):
        count = len(singles(questions))
        bound = COURSE_BOUND if name == "ALL" else BANK_BOUND if count >= BANK_MIN else None
        for lang in LANGS:
            r = single_rates(questions, lang)
            flag = " <-- over" if bound is not None and max(r.values()) > bound else ""
            lines.append(
                f"{name:<17}{lang:<5}{count:>4}" + "".join(f"{r[s]:>9.3f}" for s in names) + flag
            )
    lines.append(
        f"bounds: {COURSE_BOUND:.2f} over ALL; {BANK_BOUND:.2f} in a bank with >= {BANK_MIN} "
        "single-choice questions"
    )

    everything = all_questions(quizzes)
    strategies = multi_strategies(everything)
    short = [s.replace("shortest-", "S").replace("longest-", "L") for s in strategies]
    head = f"{'bank':<17}{'lang':<5}{'n':>4}" + "".join(f"{s:>6}" for s in short)
    head += f"{'m-long':>8}{'m-base':>8}"
    lines += ["", "multiple choice: exactly right by picking the k shortest (Sk) / longest (Lk)"]
    lines += [head, "-" * len(head)]
    for name, questions in _groups(quizzes):
        group = multiples(questions)
        if not group:
            continue
        bound = (
            MULTI_COURSE_BOUND if name == "ALL" else BANK_BOUND if len(group) >= BANK_MIN else None
        )
        for lang in LANGS:
            r = multi_rates(questions, lang, strategies)
            m_long = mean([longest_is_key(q, lang) for q in group])
            m_base = mean([len(correct_indices(q)) / len(q.options) for q in group])
            flag = " <-- over" if bound is not None and max(r.values()) > bound else ""
            if name == "ALL" and m_long > m_base + MULTIPLE_MARGIN:
                flag += " <-- longest is a key"
            lines.append(
                f"{name:<17}{lang:<5}{len(group):>4}"
                + "".join(f"{r[s]:>6.2f}" for s in strategies)
                + f"{m_long:>8.3f}{m_base:>8.3f}{flag}"
            )
    keys = sorted({len(correct_indices(q)) for q in multiples(everything)})
    counts = {k: sum(len(correct_indices(q)) == k for q in multiples(everything)) for k in keys}
    lines.append(f"keys per multiple-choice question: {counts}")
    lines.append(
        f"bounds: {MULTI_COURSE_BOUND:.2f} over ALL; {BANK_BOUND:.2f} in a bank with >= {BANK_MIN} "
        f"multiple-choice questions; m-long <= m-base + {MULTIPLE_MARGIN} over ALL"
    )
    return "\n".join(lines)
