"""`dlcourse check` prints without rich, and prints what rich printed (issue 24).

The self-check's view draws its table and lines with the small writer of
`autograder.feedback.terminal` instead of rich, whose import and layout were a
tenth of the command. rich is the oracle here, as torch is for the reference
solutions: the previous rich-based view (kept below, as it was) and today's
must print the same characters for the same results, at every width. The only
known difference is a rich bug these tests step around: rich cuts a line of
wide characters (Korean) that fills a cell exactly, where the writer keeps it.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from autograder.feedback import views
from autograder.feedback.terminal import Cell, Column, Terminal, cell_width, wrap
from autograder.messages import Message, msg
from autograder.results import CheckResult, SubmissionResult

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "feedback"
WIDTHS = (200, 80, 60, 41, 30)


# ---------------------------------------------------------------------------
# The oracle: the self-check view as it was, with rich
# ---------------------------------------------------------------------------
def rich_self_check(result, folder, problems, width, lang, hints=None):
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    out = io.StringIO()
    console = Console(file=out, width=width, highlight=False)
    word = views._word
    table = Table(title=f"{result.assignment}: {result.student}", show_lines=False)
    table.add_column(word(lang, msg("view.task", "task")), style="cyan")
    table.add_column(word(lang, msg("view.check", "check")))
    table.add_column(word(lang, msg("view.points", "points")), justify="right")
    table.add_column(word(lang, msg("view.result", "result")))
    passed_word = word(lang, msg("view.pass", "pass"))
    failed_word = word(lang, msg("view.fail", "FAIL"))
    for test in result.tests:
        table.add_row(
            Text(test.task),
            Text(test.name),
            Text(f"{test.score:g}/{test.max_score:g}"),
            Text(passed_word, style="green")
            if test.status == "passed"
            else Text(failed_word, style="red"),
        )
    console.print(table)
    failed = [t for t in result.tests if t.status != "passed"]
    blanks = {}
    for test in failed:
        where = views.blank_reached(test)
        if where is not None:
            blanks.setdefault(test.task, []).append(where)
    if blanks:
        console.print()
    for task, reached in blanks.items():
        console.print(f"[yellow]{escape(views.not_implemented_line(task, reached, lang))}[/]")
    failed = [t for t in failed if views.blank_reached(t) is None]
    for test in failed[: views.MAX_SHOWN_FAILURES]:
        console.print(
            f"\n[bold red]{failed_word}[/] [cyan]{escape(test.task)}[/] {escape(test.name)}"
        )
        console.print(escape(test.output.rstrip()))
    if len(failed) > views.MAX_SHOWN_FAILURES:
        more = msg(
            "view.more",
            "... and {count} more failing checks (use --json for all).",
            count=len(failed) - views.MAX_SHOWN_FAILURES,
        )
        console.print("\n" + escape(word(lang, more)))
    passed = sum(1 for t in result.tests if t.status == "passed")
    colour = "green" if passed == len(result.tests) and result.tests else "red"
    line = msg(
        "view.self_check",
        "{score} / {max_score} points: {passed} of {total} public checks pass ({folder}).",
        score=f"{result.score:g}",
        max_score=f"{result.max_score:g}",
        passed=passed,
        total=len(result.tests),
        folder=str(folder),
    )
    console.print(f"\n[bold {colour}]{escape(word(lang, line))}[/]")
    if problems:
        line = msg("view.problems", "Problems: {problems}", problems="; ".join(problems))
        console.print(f"[red]{escape(word(lang, line))}[/]")
    failing = sorted({t.task for t in result.tests if t.status != "passed"} & set(hints or {}))
    if failing and hints:
        stuck = msg(
            "view.hints",
            "Stuck? A hint ladder exists for {tasks}: dlcourse hint {assignment} TASK "
            "shows one level at a time.",
            tasks=", ".join(failing),
            assignment=result.assignment,
        )
        console.print(escape(word(lang, stuck)))
    if passed == len(result.tests) and result.tests:
        hidden = msg(
            "view.all_pass", "Hidden checks use other inputs: test edge cases yourself too."
        )
        console.print(escape(word(lang, hidden)))
    return out.getvalue()


# ---------------------------------------------------------------------------
# Results to print: the golden feedback of known mistakes, passes and blanks
# ---------------------------------------------------------------------------
class Check:
    def __init__(self, result, folder, problems):
        self.result, self.folder, self.problems = result, folder, problems


def golden_result(assignment, mistake, lang):
    """A self-check's result holding a known mistake's failed checks (the golden feedback),
    a passed check and two that stopped at blanks of the stub."""
    entry = json.loads((GOLDEN / f"{assignment}.json").read_text(encoding="utf-8"))[mistake]
    tests = [
        CheckResult(
            name=check["name"],
            score=0.0,
            max_score=2.0,
            status="failed",
            output=check["output"],
            task=check["name"].split(" ")[0].split("의")[0],
        )
        for check in entry[lang]
    ]
    tests.append(CheckResult(name=f"{assignment} passes [case]", score=1.5, max_score=1.5,
                             status="passed", task="a_task_with_a_long_name_indeed"))  # fmt: skip
    blank = Message("plugin.blank", "not implemented", {"where": f"{assignment}/backward"})
    for task in ("backward", "other_task"):
        tests.append(CheckResult(name=f"{task} [x]", score=0.0, max_score=1.0, status="failed",
                                 task=task, lines=[(0, blank)]))  # fmt: skip
    return SubmissionResult(assignment=assignment, student="sample", tests=tests)


CASES = [("conv", "flipped_kernel"), ("conv", "bias_missing"), ("cnn", None)]


def _mistake(assignment, mistake):
    return mistake or next(iter(json.loads((GOLDEN / f"{assignment}.json").read_text())))


def new_self_check(check, width, lang, hints=None):
    out = io.StringIO()
    views.show_self_check(Terminal(out, width=width), check, lang=lang, hints=hints)
    return out.getvalue()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("assignment", "mistake"), CASES)
def test_the_self_check_prints_what_rich_printed(assignment, mistake, width):
    """For failures, passes, blanks, problems and hints, at any width: the same characters?"""
    result = golden_result(assignment, _mistake(assignment, mistake), "en")
    check = Check(result, Path("subs/a folder"), ["one problem", "two [problems]"])
    hints = {"backward": 3, "other_task": 1}
    want = rich_self_check(result, check.folder, check.problems, width, "en", hints)
    assert new_self_check(check, width, "en", hints) == want


@pytest.mark.parametrize("width", WIDTHS)
def test_a_passing_self_check_prints_what_rich_printed(width):
    """A self-check with every check passed: the same table and lines as rich's?"""
    tests = [
        CheckResult(
            name=f"conv_forward matches the reference [case-{i}]",
            score=3.0,
            max_score=3.0,
            status="passed",
            task="conv_forward",
        )  # fmt: skip
        for i in range(20)
    ]
    result = SubmissionResult(assignment="conv", student="conv", tests=tests)
    check = Check(result, Path("solutions/conv"), [])
    assert new_self_check(check, width, "en") == rich_self_check(
        result, check.folder, [], width, "en"
    )


def test_a_title_keeps_its_brackets():
    """Is a student folder named like markup ("[x]") shown as it is (rich's title dropped it)?"""
    result = SubmissionResult(assignment="conv", student="ana [x] :fire:", tests=[])
    out = io.StringIO()
    views.show_result(Terminal(out, width=60), result)
    assert "conv: ana [x] :fire:" in out.getvalue()


@pytest.mark.parametrize("width", (80, 30))
def test_a_long_title_is_wrapped_as_rich_wraps_it(width):
    """A folder name longer than the table: wrapped and centred over it, as rich does?"""
    tests = [CheckResult(name="a check", score=1.0, max_score=1.0, status="passed", task="t")]
    student = "a-submission-folder with a name far too long to fit over so small a table"
    result = SubmissionResult(assignment="conv", student=student, tests=tests)
    check = Check(result, Path("x"), [])
    assert new_self_check(check, width, "en") == rich_self_check(result, "x", [], width, "en")


def _rich_bug(line):
    """rich's cut of a wide-character line that fills its cell exactly ("구현 …")."""
    return " …" in line


@pytest.mark.parametrize("width", WIDTHS)
def test_korean_prints_what_rich_printed_where_rich_is_right(width):
    """In Korean (two cells a character): the same lines as rich, but where rich cuts one?"""
    result = golden_result("conv", "flipped_kernel", "ko")
    check = Check(result, Path("제출물"), [])
    want = rich_self_check(result, check.folder, [], width, "ko").splitlines()
    got = new_self_check(check, width, "ko").splitlines()
    if not any(_rich_bug(line) for line in want):
        assert got == want
    table = [line for line in got if line and line[0] in "┏┃┡│└"]
    assert {cell_width(line) for line in table} == {cell_width(table[0])}  # lined up
    assert all(cell_width(line) <= width for line in got)


# ---------------------------------------------------------------------------
# The writer itself
# ---------------------------------------------------------------------------
class Tty(io.StringIO):
    def __init__(self, encoding="utf-8"):
        super().__init__()
        self._encoding = encoding

    @property
    def encoding(self):
        return self._encoding

    def isatty(self):
        return True


def _table(terminal):
    terminal.table("t", [Column("a", style="cyan"), Column("b", justify="right")],
                   [[Cell("x"), Cell("1", "green")]])  # fmt: skip
    return terminal.stream.getvalue()


def test_styles_only_on_a_terminal(monkeypatch):
    """Are styles written to a terminal (or with FORCE_COLOR) and nowhere else?"""
    for name in ("FORCE_COLOR", "NO_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    assert "\x1b[" not in _table(Terminal(io.StringIO(), width=40))
    on_tty = _table(Terminal(Tty(), width=40))
    assert "\x1b[36mx\x1b[0m" in on_tty and "\x1b[32;36m" not in on_tty
    assert "\x1b[1ma\x1b[0m" in on_tty  # the header: bold, not the column's colour
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[32m1\x1b[0m" in _table(Terminal(io.StringIO(), width=40))


def test_no_color_keeps_bold_and_a_dumb_terminal_gets_nothing(monkeypatch):
    """NO_COLOR: bold without colours; TERM=dumb: no escapes at all?"""
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    terminal = Terminal(Tty(), width=40)
    assert terminal.styled_text("x", "bold green") == "\x1b[1mx\x1b[0m"
    assert terminal.styled_text("x", "green") == "x"
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert "\x1b[" not in _table(Terminal(Tty(), width=40))


def test_an_output_that_is_not_utf8_gets_an_ascii_table(monkeypatch):
    """Where box-drawing characters cannot be written, is the table drawn in ASCII, as rich
    draws it?"""
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "dumb")
    lines = _table(Terminal(Tty(encoding="cp1252"), width=20)).splitlines()
    assert lines == ["    t    ", "+-------+", "| a | b |", "|---+---|", "| x | 1 |", "+-------+"]


def test_wrapping_breaks_at_words_and_cuts_or_folds_what_is_too_long():
    """Are lines broken between words, and a word too long folded (text) or cut (cells)?"""
    assert wrap("alpha beta gamma", 11) == ["alpha beta ", "gamma"]
    assert wrap("  indented text", 10) == ["  indented", "text"]
    assert wrap("abcdefghijkl xy", 5) == ["abcde", "fghij", "kl xy"]
    assert wrap("abcdefghijkl xy", 5, cut=True) == ["abcd…", "xy"]
    assert wrap("", 5) == [""]
    assert wrap("과제 항목입니다", 6) == ["과제 ", "항목입", "니다"]
    for line in wrap("과제 항목입니다 " * 5, 9):
        assert cell_width(line) <= 9


def test_cell_width_counts_wide_characters_twice():
    """Do Korean syllables take two cells and combining marks none?"""
    assert cell_width("abc") == 3
    assert cell_width("과제") == 4
    assert cell_width("e" + unicodedata.lookup("COMBINING ACUTE ACCENT")) == 1


def test_a_self_check_in_its_own_process_never_imports_rich(tmp_path):
    """Does `dlcourse check` print its table without loading rich at all?"""
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write('rich:%s' % any("
        "m == 'rich' or m.startswith('rich.') for m in sys.modules)))\n"
        "from autograder.cli import main\n"
        "main(['check', 'conv', '--path', sys.argv[1]])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "solutions" / "conv")],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "points: 20 of 20 public checks pass" in done.stdout
    assert done.stderr.endswith("rich:False")
