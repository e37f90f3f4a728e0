"""Can a Korean learner read every piece of the self-check's feedback in Korean?

Every collected check of every assignment has a Korean title and every known
mistake a Korean name and message, each in the file it belongs to (the public
one ships, the hidden one never does); every failure template the kit and the
sandbox write has a Korean counterpart that carries the same values; particles
after drawn numbers agree with the numbers; `dlcourse check --lang ko` (and
DLCOURSE_LANG=ko) shows all of it, and `grade` writes English unless asked.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import re
import string
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from graderkit import mutant_folder
from test_korean import FORBIDDEN, REGULARIZATION_AS_NORMALIZATION

from autograder import paths
from autograder.checkkit import CheckFailure, Handle, compare, compare_all
from autograder.checkkit.compare import difference
from autograder.cli import main
from autograder.engine.catalog import describe, is_hidden
from autograder.engine.runner import check_files, quiet_pytest_env
from autograder.feedback import failures_ko
from autograder.feedback import korean as feedback_ko
from autograder.quiz.korean import agree_particles

ASSIGNMENTS = sorted(p.name for p in paths.CHECKS_DIR.iterdir() if (p / "test_public.py").is_file())
HANGUL = re.compile(r"[\uac00-\ud7a3]")


class _Collector:
    def __init__(self) -> None:
        self.items: list[tuple[str, str, bool, str]] = []

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            task = item.get_closest_marker("task")
            function = item.nodeid.split("::", 1)[1].split("[")[0]
            self.items.append(
                (
                    describe(item).assignment,
                    function,
                    is_hidden(item),
                    str(task.args[0]) if task else "",
                )
            )


@pytest.fixture(scope="module")
def collected() -> list[tuple[str, str, bool, str]]:
    """(assignment, check function, hidden, task) for every check pytest collects."""
    import pytest as runner

    files = [str(p) for a in ASSIGNMENTS for p in check_files(a, include_hidden=True)]
    collector = _Collector()
    args = [*files, "--collect-only", "-q", "-c", str(paths.CHECKS_DIR / "pytest.ini"),
            "--rootdir", str(paths.CHECKS_DIR), "--import-mode=importlib", "-p", "no:cacheprovider"]  # fmt: skip
    with quiet_pytest_env(), contextlib.redirect_stdout(io.StringIO()):
        runner.main(args, plugins=[collector])
    assert {a for a, *_ in collector.items} == set(ASSIGNMENTS)
    return collector.items


def _mistakes(assignment: str) -> list:
    return importlib.import_module(f"autograder.checks.{assignment}.private.mistakes").MISTAKES


def _public_tasks(collected, assignment: str) -> set[str]:
    return {task for a, _, hidden, task in collected if a == assignment and not hidden}


def _all_texts():
    for assignment in ASSIGNMENTS:
        texts = feedback_ko.load_texts(assignment)
        for table in (texts.public_checks, texts.hidden_checks):
            for key, title in table.items():
                yield f"{assignment}: check {key}", title
        for name, entry in texts.mistakes.items():
            yield f"{assignment}: mistake {name} (name)", entry.title
            yield f"{assignment}: mistake {name} (message)", entry.message


# ---------------------------------------------------------------------------
# Both texts for every check and every mistake
# ---------------------------------------------------------------------------
def test_every_check_has_a_korean_title(collected):
    """Does every collected check, public and hidden, have a Korean title in its own file?"""
    missing = []
    for assignment, function, hidden, _ in collected:
        texts = feedback_ko.load_texts(assignment)
        table = texts.hidden_checks if hidden else texts.public_checks
        title = table.get(function, "")
        if not HANGUL.search(title):
            where = feedback_ko.HIDDEN_FILE if hidden else feedback_ko.PUBLIC_FILE
            missing.append(f"{assignment}/{where}: [checks] {function}")
    assert not missing, "checks without a Korean title:\n" + "\n".join(sorted(set(missing)))


def test_every_mistake_has_a_korean_name_and_message(collected):
    """Does every known mistake have a Korean name and message, public ones in the public file?"""
    missing = []
    for assignment in ASSIGNMENTS:
        texts = feedback_ko.load_texts(assignment)
        public = _public_tasks(collected, assignment)
        for mistake in _mistakes(assignment):
            table = texts.public_mistakes if mistake.task in public else texts.hidden_mistakes
            entry = table.get(mistake.name)
            if entry is None or not (HANGUL.search(entry.title) and HANGUL.search(entry.message)):
                where = (
                    feedback_ko.PUBLIC_FILE if mistake.task in public else feedback_ko.HIDDEN_FILE
                )
                missing.append(f"{assignment}/{where}: [mistakes.{mistake.name}]")
    assert not missing, "mistakes without Korean texts:\n" + "\n".join(missing)


def test_the_public_file_holds_nothing_hidden(collected):
    """Does ko_public.toml (which ships) name only public checks and mistakes of public tasks?"""
    problems = []
    for assignment in ASSIGNMENTS:
        texts = feedback_ko.load_texts(assignment)
        public_checks = {f for a, f, hidden, _ in collected if a == assignment and not hidden}
        hidden_checks = {f for a, f, hidden, _ in collected if a == assignment and hidden}
        public = _public_tasks(collected, assignment)
        tasks = {m.name: m.task for m in _mistakes(assignment)}
        problems += [
            f"{assignment}: public title for {k}"
            for k in texts.public_checks.keys() - public_checks
        ]
        problems += [
            f"{assignment}: hidden title for {k}"
            for k in texts.hidden_checks.keys() - hidden_checks
        ]
        for name in texts.public_mistakes:
            if tasks.get(name) not in public:
                problems.append(f"{assignment}: {name} is not a mistake of a public task")
        for name in texts.hidden_mistakes:
            if name not in tasks or tasks[name] in public:
                problems.append(
                    f"{assignment}: {name} belongs in {feedback_ko.PUBLIC_FILE} or nowhere"
                )
    assert not problems, "\n".join(problems)  # fmt: skip


def test_the_public_file_quotes_no_solution_line():
    """Does no line of the reference solutions appear in a ko_public.toml (the leak check's rule)?"""
    from autograder.config import load_course
    from autograder.release.bundle import _all_solution_lines

    lines = _all_solution_lines(load_course())
    leaks = [
        f"{assignment}: {line!r}"
        for assignment in ASSIGNMENTS
        for line in lines
        if line in (paths.checks_dir(assignment) / feedback_ko.PUBLIC_FILE).read_text("utf-8")
    ]
    assert not leaks, "\n".join(leaks)


def test_korean_texts_follow_the_glossary():
    """Do the titles, mistakes and templates use the glossary's terms (규제 is not 정규화)?"""
    problems = []
    engine = [korean for _, korean in failures_ko.LINE_TEMPLATES]
    engine += [*failures_ko.KINDS_KO.values(), *failures_ko.PHRASES.values()]
    engine += [*feedback_ko.SUMMARY_TEMPLATES.values(), *feedback_ko.VIEW_TEMPLATES.values()]
    for where, text in [*_all_texts(), *(("templates", t) for t in engine)]:
        for wrong, right in FORBIDDEN.items():
            if wrong in text:
                problems.append(f"{where}: {wrong} (say {right})")
        if REGULARIZATION_AS_NORMALIZATION.search(text):
            problems.append(f"{where}: 정규화 used for regularization (say 규제)")
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------
# Particles after numbers
# ---------------------------------------------------------------------------
DRAWN = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "16", "100", "0.5", "1e-05",
         "3.5", "(2, 3)", "(1,)", "128"]  # fmt: skip


def _fields(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def test_every_template_reads_right_with_every_drawn_number():
    """Rendered with drawn values, does every Korean template keep particles that agree?"""
    templates = [korean for _, korean in failures_ko.LINE_TEMPLATES]
    templates += [*feedback_ko.SUMMARY_TEMPLATES.values(), *feedback_ko.VIEW_TEMPLATES.values()]
    templates += [failures_ko.KIND_TEMPLATE, failures_ko.MISTAKE_TEMPLATE,
                  failures_ko.MISTAKE_UNKNOWN_TEMPLATE]  # fmt: skip
    rng = np.random.default_rng(16)
    wrong = []
    for template in templates:
        for value in DRAWN:
            values = {name: value for name in _fields(template)}
            # and once with a different number in each field
            mixed = {name: DRAWN[int(rng.integers(len(DRAWN)))] for name in _fields(template)}
            for filled in (template.format(**values), template.format(**mixed)):
                if agree_particles(filled) != filled:
                    wrong.append(f"{filled!r} -> {agree_particles(filled)!r}")
    assert not wrong, "\n".join(wrong)


def test_every_assignment_text_reads_right():
    """Do the particles after the numbers in the titles and mistake messages agree?"""
    wrong = [f"{where}: {text!r}" for where, text in _all_texts() if agree_particles(text) != text]
    assert not wrong, "\n".join(wrong)


# ---------------------------------------------------------------------------
# Failure explanations
# ---------------------------------------------------------------------------
def _messages() -> list[tuple[str, str]]:
    """(kind, message) for each way the kit's comparisons fail."""
    want = np.arange(6.0).reshape(2, 3)
    cases = [
        (Handle(1), want),
        ([1.0, 2.0], want),
        (None, want),
        (np.array(["a", "b"]), np.zeros(2)),
        (np.zeros((3, 2)), want),
        (np.where(want > 3, np.nan, want), want),
        (np.where(want > 4, np.inf, want), want),
        (want.astype(np.float32) + 1, want),
        (want + np.eye(2, 3), want),
    ]
    found = []
    for got, expected in cases:
        kind, text = difference(got, expected, "dx", 1e-6, 1e-9)
        found.append((kind, f"conv_backward(dout: (2, 3), cache)\n  {text}"))
    mistakes = {"flipped_kernel": ("the kernel is flipped", want + 1)}
    for attempt in (
        lambda: compare(want + 1, want, what="out", call="conv_forward(x)", mistakes=mistakes),
        lambda: compare_all((want,), (want, want), ("dx", "dw"), call="conv_backward(dout)"),
        lambda: compare_all((want + 1, want), (want, want), ("dx", "dw"), call="f(x)"),
    ):
        with pytest.raises(CheckFailure) as failure:
            attempt()
        found.append((failure.value.kind, failure.value.message))
    sandbox = [
        ("exception", "f(x)\n  your code raised ValueError: bad\n  your code printed:\n    hi"),
        (
            "exception",
            "f(x)\n  your code raised NotImplementedError: conv/conv_forward: fill in "
            "this blank (see its docstring)",
        ),  # fmt: skip
        ("timeout", "f(x)\n  f(x) did not finish within 2 s"),
        (
            "timeout",
            "f(x) did not finish within 2.5 s (an infinite loop, or far too slow?); "
            "the worker was stopped",
        ),  # fmt: skip
        ("timeout", "f did not finish within 2 s in an earlier check, so it was not run again"),
        (
            "timeout",
            "the submission used up its total time budget of 60 s; "
            "the remaining checks were not run",
        ),  # fmt: skip
        (
            "import",
            "importing your submission did not finish within 10 s "
            "(an infinite loop or heavy work at module level?)",
        ),  # fmt: skip
        ("import", "your submission could not be imported: SyntaxError: invalid syntax"),
        ("crash", "the worker crashed too often; the remaining checks were not run"),
        ("missing_files", "your submission could not be graded as it is: conv.py is missing"),
        ("grader_error", "grader error (not your fault; please tell your instructor): KeyError: 1"),
        ("skipped", "skipped: needs torch"),
        (
            "wrong",
            "conv_backward(dout) after conv_forward(x, w)\n  dx does not match numerical "
            "derivatives of your own conv_forward: along a random direction v, sum(dx * v) "
            "= 1.5 but the central difference gives 2 (your backward does not match your "
            "forward)",
        ),  # fmt: skip
        ("type", "f(x)\n  expected a tuple (out, cache), got array(2, 3) float64"),
        ("type", "f(x) after g(x)\n  expected a tuple of 2 gradients (dx, dw)"),
        ("wrong", "g: the forward's output has shape (2,), expected (3,)"),
        # what the numpy assignments' checks called
        (
            "wrong",
            "Adam(params, lr=0.01) with params of shapes [(2, 3), (3,)], then 5 calls of "
            "step(grads), setting opt.lr to a new value before every step",
        ),  # fmt: skip
        (
            "wrong",
            "SGD(params) with params of shapes [(2,)], then 4 calls of step(grads), each on "
            "the gradient of a bowl at the current params",
        ),  # fmt: skip
        ("wrong", "warmup_cosine(step, base_lr=0.1, warmup_steps=2) for step in [0, 1, 5]"),
        (
            "wrong",
            "6 x batchnorm_forward(x(5, 4), gamma, beta, bn_param) in train mode starting "
            "from bn_param={'mode': 'train'}, then one call in eval mode",
        ),  # fmt: skip
        (
            "wrong",
            "batchnorm_forward (a forward pass)\n  out: values differ in 1 of 2 entries "
            "(shape (2,))",
        ),  # fmt: skip
        ("wrong", "lstm_step_forward (the forward passes)"),
        (
            "shape",
            "conv_forward(x, w, b) with default arguments: expected out of shape "
            "(2, 3, 3, 3), got (2, 3, 5, 5) (defaults are stride=1, pad=0, dilation=1)",
        ),  # fmt: skip
        (
            "wrong",
            "linear_regression_fit(X, y) with the default l2\n  loss: expected 0.5, got "
            "nan (logits up to 1e+04)",
        ),  # fmt: skip
        (
            "wrong",
            "f(x)\n  each row of weights must sum to 1\n  weights of blocked keys must be "
            "exactly 0; the largest is 0.3 (give blocked scores -inf before the softmax)",
        ),  # fmt: skip
        # what the torch assignments' checks called
        (
            "wrong",
            "SmallCNN() trained with your fit on 600 digit-like 8x8 images for 3 epochs "
            "(batch 32, lr=0.01), then its predictions on 200 new ones\n  test accuracy "
            "12.0%, expected at least 60% (chance is 10%; the reference reaches 95.5%)",
        ),  # fmt: skip
        (
            "wrong",
            "TransformerBlock(8, 2, 0.0) in float64 (eval mode) with random weights loaded "
            "by parameter name, forward on x of shape (2, 5, 8) with no mask, then "
            "backward\n  out: values differ in 3 of 80 entries (shape (2, 5, 8))",
        ),  # fmt: skip
        (
            "wrong",
            "MultiHeadSelfAttention(8, 2) in float64 (train mode) with random weights "
            "loaded by parameter name, forward on x of shape (2, 5, 8) with a bool mask of "
            "shape (5, 5), then backward",
        ),  # fmt: skip
        (
            "wrong",
            "SmallCNN(10) in float64 with random weights loaded by parameter name, eval "
            "mode, forward on x of shape (4, 1, 8, 8), then backward",
        ),  # fmt: skip
        (
            "wrong",
            "train_epoch on a small conv + batch-norm network (given to you in eval mode), "
            "batches of sizes [4, 4, 2], SGD(lr=0.1, momentum=0.9, weight_decay=0.0), "
            "nn.CrossEntropyLoss(label_smoothing=0.1)\n  mean loss (batch losses weighted "
            "by batch size): values differ in 1 of 1 entries (shape ())",
        ),  # fmt: skip
        (
            "wrong",
            "evaluate on a small conv + batch-norm network given in train mode, batches of "
            "sizes [4, 4, 2], nn.CrossEntropyLoss(label_smoothing=0.0)",
        ),  # fmt: skip
        ("wrong", "lr_schedule(step, warmup_steps=3, total_steps=10) for step = 0..9"),
        (
            "wrong",
            "fit(model, train_loader, val_loader, epochs=3, lr=0.01, weight_decay=0.01, "
            "patience=None) on a small conv + batch-norm network, 3 training batches per "
            "epoch",
        ),  # fmt: skip
        # phrases of the assignments' own checks
        (
            "wrong",
            "f(x)\n  the weights do not follow the expected distribution: their "
            "distribution function differs from the reference's by 0.120 (at most 0.050 "
            "is expected by chance)\n  your weights: mean 0.01, std 0.5, min -1, max 1",
        ),  # fmt: skip
        (
            "forbidden",
            "f(x)\n  this assignment asks you to write attention yourself: your module "
            "uses F.scaled_dot_product_attention, which is not allowed (no "
            "F.scaled_dot_product_attention, nn.MultiheadAttention or nn.Transformer*; "
            "use matrix products, masked_fill and softmax)",
        ),  # fmt: skip
        (
            "wrong",
            "f(x)\n  0.100 of the entries are zero; expected about 0.250 (p = 0.25, "
            "train = True) (the backward is checked on a correct forward)\n  the surviving "
            "entries are x times 1 (largest deviation 0); expected x times 1.33333 for "
            "every survivor\n  dx differs from dout times the factor your forward applied "
            "(0 or its scale) in 25.0% of the entries: the backward must use the same mask "
            "as the forward, scaled the same way\n  dx differs from dout in 3.0% of the "
            "entries: in eval mode the backward pass is the identity",
        ),  # fmt: skip
        (
            "wrong",
            "f(x)\n  argument 0 was modified in place; compute new arrays instead of "
            "writing into your inputs",
        ),  # fmt: skip
        ("wrong", "f(x)\n  X or y was modified in place; work on copies"),
        ("wrong", "f(x)\n  params[1] was modified in place"),
        ("wrong", "f(x)\n  out contains inf or nan\n  the weights contain inf or nan"),
        ("wrong", "f(x)\n  the run did not complete normally"),
        (
            "type",
            "f(x)\n  expected a float array, got list\n  wrong shape: expected (2, 3), got (3, 2)",
        ),  # fmt: skip
        ("type", "f(x)\n  dparams: expected a dict, got tuple"),
        ("type", "f(x)\n  expected dropout_forward to return (out, cache)"),
        ("type", "f(x)\n  expected a tuple (w, b)"),
        ("type", "f(x)\n  expected one number per step, got array(3,) float64"),
        (
            "wrong",
            "f(x)\n  two calls with the same seed gave different outputs: draw the mask "
            "from np.random.default_rng(seed) only",
        ),  # fmt: skip
        ("wrong", "f(x)\n  seeds 3 and 4 gave the same output"),
        (
            "wrong",
            "f(x)\n  two calls with seed=None gave the same output: seed=None must draw "
            "a fresh mask each time",
        ),  # fmt: skip
        ("type", "f(x)\n  step() must return a bool, got [1, 0]"),
        ("wrong", "f(x)\n  best_step is still None after 6 calls"),
        (
            "wrong",
            "f(x)\n  step modified a gradient array it was given (grads[0]): gradients "
            "belong to the caller; build new arrays (g = g + ...) instead of updating them "
            "in place (g += ...), and copy a gradient before keeping it as state that you "
            "later update in place",
        ),  # fmt: skip
        (
            "wrong",
            "f(x)\n  params[0] held by the caller never changed: update each parameter "
            "array in place (p -= ..., or p[...] = ...); p = p - ... only rebinds a local "
            "name",
        ),  # fmt: skip
        (
            "wrong",
            "f(x)\n  opt.params no longer holds the caller's arrays (keep self.params as given)",
        ),  # fmt: skip
        ("type", "f(x)\n  returned None: return the total norm before clipping"),
        (
            "wrong",
            "f(x)\n  the gradients' total norm exceeds max_norm, yet the caller's grads "
            "did not change: scale the given arrays in place (g *= ...); new arrays never "
            "reach the caller",
        ),  # fmt: skip
        (
            "wrong",
            "f(x)\n  two forward passes of the same input in eval mode differ: dropout "
            "must be off in eval mode (use nn.Dropout modules, or pass "
            "training=self.training)",
        ),  # fmt: skip
    ]
    return found + sandbox


def test_every_failure_template_has_korean():
    """Is each line the kit or the sandbox writes from a template rewritten in Korean?"""
    call = re.compile(r"^\s*[\w.]+\(.*\)$")  # a bare call line stays as it is
    untranslated = []
    for kind, message in _messages():
        korean = failures_ko.translate_output(message, kind)
        assert korean.splitlines()[0] == f"실패 유형: {failures_ko.KINDS_KO[kind]}"
        for line in message.split("\n"):
            if call.match(line) or line.startswith("    "):  # the call; what the student printed
                continue
            if failures_ko.translate_line(line) is None:
                untranslated.append(line)
    assert not untranslated, "lines without Korean:\n" + "\n".join(untranslated)


def test_the_values_survive_translation():
    """Does the Korean say the same numbers: counts, errors, the first differing index?"""
    want = np.arange(1.0, 7.0).reshape(2, 3)
    _, text = difference(want + np.eye(2, 3), want, "dx", 1e-6, 1e-9)
    korean = failures_ko.translate_output(text)
    assert "dx: 전체 6개 항목 중 2개의 값이 다릅니다 (모양 (2, 3))" in korean
    assert "최대 절대 오차 1, 최대 상대 오차 1" in korean
    assert "처음 다른 곳은 인덱스 (0, 0): 기댓값 1, 돌아온 값 2" in korean
    assert not re.search(r"expected|differ|index", korean)


def test_a_named_mistake_reads_in_korean():
    """Does a named mistake keep its id and read with its Korean name and advice?"""
    texts = feedback_ko.load_texts("conv")
    line = "  Likely mistake (flipped_kernel): your forward flips the kernel."
    korean = failures_ko.translate_line(line, texts.mistakes)
    entry = texts.mistakes["flipped_kernel"]
    assert korean == f"  흔한 실수로 보입니다 (flipped_kernel: {entry.title}): {entry.message}"
    # a mistake without Korean texts (an older bundle) keeps its English advice
    assert failures_ko.translate_line(line, {}) == (
        "  흔한 실수로 보입니다 (flipped_kernel): your forward flips the kernel."
    )


# ---------------------------------------------------------------------------
# The commands
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def flipped(tmp_path_factory) -> Path:
    from autograder.checks.conv.private.mistakes import MISTAKES

    return mutant_folder("conv", next(m for m in MISTAKES if m.name == "flipped_kernel"))


def test_check_in_korean_as_a_student_reads_it(flipped):
    """Does `dlcourse check conv --lang ko` show the table, the failures and the mistake in Korean?"""
    result = CliRunner().invoke(main, ["check", "conv", "--lang", "ko", "--path", str(flipped)])
    assert result.exit_code == 1, result.output
    out = result.output
    title = feedback_ko.load_texts("conv").public_checks["test_conv_forward"]
    for expected in (
        "과제 항목", "결과", "실패", "통과", title, "실패 유형: 값이 다름", "개의 값이 다릅니다",
        "최대 절대 오차", "처음 다른 곳은 인덱스",
        "흔한 실수로 보입니다 (flipped_kernel: 뒤집은 커널)", "점: 공개 검사",
    ):  # fmt: skip
        assert expected in out, expected
    assert "matches the reference" not in out and "Likely mistake" not in out


def test_dlcourse_lang_chooses_the_language(flipped):
    """Does DLCOURSE_LANG=ko give Korean JSON, and does the default stay English?"""
    runner = CliRunner()
    korean = runner.invoke(main, ["check", "conv", "--json", "--path", str(flipped)],
                           env={"DLCOURSE_LANG": "ko"})  # fmt: skip
    english = runner.invoke(main, ["check", "conv", "--json", "--path", str(flipped)],
                            env={"DLCOURSE_LANG": None})  # fmt: skip
    ko, en = json.loads(korean.output), json.loads(english.output)
    assert [t["extra_data"]["nodeid"] for t in ko["tests"]] == [
        t["extra_data"]["nodeid"] for t in en["tests"]
    ]
    assert all(HANGUL.search(t["name"]) for t in ko["tests"])
    assert not any(HANGUL.search(t["name"] + t["output"]) for t in en["tests"])
    assert any(t["extra_data"]["diagnosis"] == "flipped_kernel" for t in ko["tests"])
    assert "점" in ko["output"] and ko["extra_data"]["lang"] == "ko"
    bad = runner.invoke(
        main, ["check", "conv", "--path", str(flipped)], env={"DLCOURSE_LANG": "fr"}
    )
    assert bad.exit_code == 2


@pytest.mark.slow
def test_grade_writes_english_unless_asked(flipped, tmp_path):
    """Do grade's results stay English for the instructor, and turn Korean with --lang ko?"""
    runner = CliRunner()
    for lang in ("en", "ko"):
        out = tmp_path / lang
        args = ["grade", "conv", str(flipped), "--out", str(out), "-j", "1"]
        result = runner.invoke(main, args + (["--lang", "ko"] if lang == "ko" else []),
                               env={"DLCOURSE_LANG": "ko"})  # fmt: skip
        assert result.exit_code == 0, result.output
        data = json.loads(next(out.glob("*/results.json")).read_text(encoding="utf-8"))
        hidden = [t for t in data["tests"] if t["visibility"] != "visible"]
        assert hidden, "grade runs the hidden checks too"
        korean = [bool(HANGUL.search(t["name"])) for t in data["tests"]]
        assert all(korean) if lang == "ko" else not any(korean)
        failed = [t for t in data["tests"] if t["status"] == "failed"]
        assert failed
        assert all(bool(HANGUL.search(t["output"])) == (lang == "ko") for t in failed)


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ["regularization", "optim"])
def test_every_failure_of_every_known_mistake_reads_in_korean(assignment):
    """Is each line a known mistake's public failures print Korean (or the call itself)?

    A check whose English changed without its Korean fails here, for two
    assignments whose checks write many messages of their own.
    """
    from autograder.engine.commands import self_check

    call = re.compile(r"^\s*[\w.]+\(.*\)$")
    untranslated = set()
    for mistake in _mistakes(assignment):
        result = self_check(assignment, path=mutant_folder(assignment, mistake), lang="ko").result
        for test in result.tests:
            if test.status == "passed":
                continue
            assert test.output.startswith("실패 유형: "), test.output
            for line in test.output.split("\n")[1:]:
                if line.strip() and not call.match(line) and not line.startswith("    "):
                    if not HANGUL.search(line):
                        untranslated.add(line.strip())
    assert not untranslated, "\n".join(sorted(untranslated))
