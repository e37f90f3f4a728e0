"""Content promises of the quiz banks that a schema check cannot see.

Each test asks one question about what the questions say: that a drawn value
cannot make a question degenerate, that the quiz's schedules are the ones the
assignments implement, that the course's Korean terms are used, and that the
topics of the notes and of the newest assignments are taught by enough
questions.
"""

from __future__ import annotations

import pytest

from autograder.paths import load_reference
from autograder.quiz import bank as qbank
from autograder.quiz.bank import draw_values, expected_number, student_seed
from autograder.quiz.engine import render_explanation

STUDENTS = [f"c{i:03d}" for i in range(120)]


@pytest.fixture(scope="module")
def quizzes(root):
    return qbank.load_quizzes(qbank.quiz_dir(root))


def question(quizzes, qid):
    found = [q for quiz in quizzes.values() for q in quiz.questions if q.id == qid]
    assert len(found) == 1, qid
    return found[0]


def test_ridge_question_never_draws_lambda_zero(quizzes):
    """Can ridge-one-weight never turn into plain least squares (lambda = 0) for any student?"""
    q = question(quizzes, "ridge-one-weight")
    lams = next(p.values for p in q.params if p.name == "lam")
    assert min(lams) > 0, lams
    for student in STUDENTS:
        values = draw_values(q, student_seed(student))
        assert values["lam"] > 0
        plain = (values["a"] + 2 * values["b"]) / 5
        assert expected_number(q, values) != pytest.approx(plain)


def test_warmup_question_is_optims_schedule_and_one_step_ahead_of_cnns(quizzes):
    """Is the quiz's linear warmup optim's warmup_cosine at step t, and cnn's rate for update t - 1?"""
    q = question(quizzes, "lr-warmup-linear")
    optim = load_reference("optim")
    cnn = load_reference("cnn")
    for student in STUDENTS[:40]:
        v = draw_values(q, student_seed(student))
        want = expected_number(q, v)
        base, warmup, step = v["base"], v["W"], v["t"]
        total = 2 * warmup + 1
        assert optim.warmup_cosine(step, base, warmup, total) == pytest.approx(want)
        if step >= 1:
            assert base * cnn.lr_schedule(step - 1, warmup, total) == pytest.approx(want)
        explanation = render_explanation(q, "en", v)
        assert "warmup_cosine" in explanation and "t = step + 1" in explanation


# ---------------------------------------------------------------- one Korean term per idea

GLOSSARY = "course/docs/glossary.md"
# (English term as the glossary writes it, its Korean term (or the stem every form of it
#  shares), the English words that call for it,
#  the tags a question must carry for the check (None: any), Korean words no bank may use)
TERMS = [
    (
        "segmentation (semantic / instance)",
        "분할",
        r"segment(?:ation|s)\b",
        None,
        ("세그멘테이션",),
    ),
    ("split (of a tree node)", "분기", r"\bsplit", ("decision-tree", "random-forest"), ()),
    ("grouped convolution", "그룹 합성곱", r"\bgrouped\b", None, ("집단 합성곱", "집단(")),
    (
        "depthwise-separable convolution",
        "깊이별 분리 합성곱",
        r"depthwise[ -]separable",
        None,
        ("깊이별 분할", "공간 분할"),
    ),
    (
        "gradient explosion (exploding gradients)",
        "폭주",
        r"^(?=.*gradient)(?=.*explod)",
        None,
        ("기울기 폭발", "기울기가 폭발"),
    ),
]
# Where "분할" would mean something other than segmentation.
NOT_SEGMENTATION_TAGS = {"decision-tree", "random-forest", "separable-conv"}


def glossary_rows(root) -> dict[str, str]:
    """English term -> Korean term, from the tables of the glossary."""
    rows = {}
    for line in (root / GLOSSARY).read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 2 and not set(cells[0]) <= {"-", " "}:
            rows[cells[0]] = cells[1]
    return rows


def korean_of(q) -> str:
    return " ".join([q.text.ko, q.explanation.ko] + [o.text.ko for o in q.options])


def english_of(q) -> str:
    return " ".join([q.text.en, q.explanation.en] + [o.text.en for o in q.options])


@pytest.mark.parametrize("english, korean", [(t[0], t[1]) for t in TERMS])
def test_glossary_gives_one_korean_term(root, english, korean):
    """Does the glossary list the term, with exactly the Korean word the banks are held to?"""
    rows = glossary_rows(root)
    assert english in rows, f"{english!r} is not in {GLOSSARY}"
    assert korean in rows[english].split(" (")[0]


@pytest.mark.parametrize(
    "english, korean, pattern, tags, rejected", TERMS, ids=[t[0] for t in TERMS]
)
def test_banks_use_the_glossary_term(quizzes, english, korean, pattern, tags, rejected):
    """Does every question about the idea say it with the glossary's word, and none with another?"""
    import re

    missing, wrong = [], []
    for quiz in quizzes.values():
        for q in quiz.questions:
            ko = korean_of(q)
            wrong += [f"{q.id}: {word}" for word in rejected if word in ko]
            applies = tags is None or set(tags) & set(q.tags)
            said = re.search(pattern, english_of(q), re.IGNORECASE | re.DOTALL)
            if applies and said and korean not in ko:
                missing.append(q.id)
    assert not wrong, wrong
    assert not missing, f"these questions speak of {english!r} without {korean!r}: {missing}"


def test_segmentation_word_means_only_segmentation(quizzes):
    """Is 분할 (as a word, not inside 미분할 or 구분할) kept out of questions on tree splits and separable convolutions?"""
    import re

    word = re.compile(r"(?<![\uac00-\ud7a3])분할")
    offenders = [
        q.id
        for quiz in quizzes.values()
        for q in quiz.questions
        if NOT_SEGMENTATION_TAGS & set(q.tags) and word.search(korean_of(q))
    ]
    assert not offenders, offenders


# ---------------------------------------------------------------- what the questions teach

# Topics of the notes that no assignment teaches: each needs at least three questions.
SEED_TOPICS = [
    "bootstrapping",
    "parametric-models",
    "random-forest",
    "qualitative-predictors",
    "word-embedding",
    "n-gram",
    "autodiff",
    "linear-classifier",
    "cls-token",
]

# The contract of the three newest assignments (shared/curriculum.md), idea by idea: a tag
# the question carries and English words that name the idea.
ASSIGNMENT_IDEAS = {
    "seq2seq": [
        ("attention", r"additive|bahdanau"),
        ("masking", r"pad"),
        ("cross-entropy", r"mask|padding"),
        ("beam-search", r"len\^alpha"),
        ("beam-search", r"greedy"),
        ("teacher-forcing", r"teacher forcing"),
    ],
    "vit": [
        ("patch-embedding", r"stride"),
        ("cls-token", r"\bCLS\b"),
        ("positional-encoding", r"learned|learnable"),
        ("patch-embedding", r"flatten"),
    ],
    "bert": [
        ("masked-lm", r"80%"),
        ("masked-lm", r"-100|selected position"),
        ("masked-lm", r"never (?:selected|masked)|special token"),
        ("bert", r"segment"),
        ("cls-token", r"fine-tun"),
    ],
}


@pytest.mark.parametrize("tag", SEED_TOPICS)
def test_seed_topic_without_a_task_has_three_questions(quizzes, tag):
    """Is every topic of the notes that no assignment teaches asked by at least three questions?"""
    tagged = [q.id for quiz in quizzes.values() for q in quiz.questions if tag in q.tags]
    assert len(tagged) >= 3, (tag, tagged)


@pytest.mark.parametrize("assignment", sorted(ASSIGNMENT_IDEAS))
def test_new_assignment_is_quizzed_idea_by_idea(quizzes, assignment):
    """Does every idea of the seq2seq, vit and bert contracts have a question, and each assignment four or more?"""
    import re

    asked = [q for quiz in quizzes.values() for q in quiz.questions if assignment in q.tags]
    assert len(asked) >= 4, assignment
    for tag, words in ASSIGNMENT_IDEAS[assignment]:
        hits = [
            q.id for q in asked if tag in q.tags and re.search(words, english_of(q), re.IGNORECASE)
        ]
        assert hits, f"no {assignment} question tagged {tag!r} says {words!r}"
