"""Failure messages in Korean, line by line.

The kit (`autograder.checkkit.compare`, `.gradients`, `.patterns`) and the
sandbox write a failing check's message from fixed English templates; each
is listed here as a regular expression over one stripped line, next to its
Korean template, and the named groups carry the values (counts, errors,
indices, shapes) across; the phrases the check modules write themselves are
in `autograder.feedback.failures_ko_checks`. The call line, and any line no template
knows, stay as they are. `autograder.feedback.korean` uses this for the results;
`tests/test_feedback_ko.py` fails when a template has no Korean.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from autograder.feedback.failures_ko_checks import CHECK_PHRASES, CHECK_TEMPLATES

try:  # private, like the hidden checks: absent from the student bundle
    from autograder.feedback.failures_ko_hidden import HIDDEN_PHRASES, HIDDEN_TEMPLATES
except ModuleNotFoundError:
    HIDDEN_TEMPLATES, HIDDEN_PHRASES = [], {}

# The kinds of failure (keys of autograder.results.FAILURE_KINDS), in Korean.
KINDS_KO: dict[str, str] = {
    "import": "import 실패",
    "missing_files": "파일 없음",
    "timeout": "시간 초과",
    "crash": "작업 프로세스 비정상 종료",
    "exit": "작업 프로세스 종료(exit)",
    "memory": "메모리 한도 초과",
    "process_limit": "프로세스 수 한도 초과",
    "output_flood": "출력 과다",
    "forbidden": "금지된 import",
    "nan": "NaN 발생",
    "inf": "inf 발생",
    "shape": "모양이 다름",
    "missing_function": "함수 없음",
    "type": "반환 타입이 다름",
    "exception": "예외 발생",
    "wrong": "값이 다름",
    "protocol": "잘못된 응답",
    "skipped": "건너뜀",
    "grader_error": "채점기 오류",
}

# One English line template (as a regular expression over a stripped line)
# per Korean template; the named groups carry the values across.
_WHAT = r"(?P<what>[^\n]+?)"
_SHAPE = r"(?P<shape>\([^)]*\))"
LINE_TEMPLATES: list[tuple[str, str]] = [
    (
        rf"{_WHAT}: expected an array of shape {_SHAPE}, got an object that cannot be graded",
        "{what}: 모양이 {shape}인 배열이 나와야 하는데, 채점할 수 없는 객체가 돌아왔습니다",
    ),
    (
        rf"{_WHAT}: expected an array of shape {_SHAPE}, got None \(a missing return\?\)",
        "{what}: 모양이 {shape}인 배열이 나와야 하는데 None이 돌아왔습니다 (return을 빠뜨렸나요?)",
    ),
    (
        rf"{_WHAT}: expected an array of shape {_SHAPE}, got a (?P<type>\w+)",
        "{what}: 모양이 {shape}인 배열이 나와야 하는데 {type} 값이 돌아왔습니다",
    ),
    (
        rf"{_WHAT}: expected an array, got (?P<type>\S+)",
        "{what}: 배열이 나와야 하는데 {type} 값이 돌아왔습니다",
    ),
    (
        rf"{_WHAT}: expected numbers, got dtype (?P<dtype>\S+)",
        "{what}: 숫자 배열이 나와야 하는데 dtype {dtype} 배열이 돌아왔습니다",
    ),
    (
        rf"{_WHAT}: wrong shape: expected (?P<want>\([^)]*\)), got (?P<got>\([^)]*\))",
        "{what}: 모양이 다릅니다. 기대한 모양 {want}, 돌아온 모양 {got}",
    ),
    (
        rf"{_WHAT}: contains NaN \((?P<count>\d+) of (?P<size>\d+) entries\), first at index "
        r"(?P<index>\([^)]*\)) \(expected (?P<want>\S+)\); overflow, 0/0 or log of 0\?",
        "{what}: 전체 {size}개 항목 중 {count}개가 NaN입니다. 처음 나온 곳은 인덱스 {index}"
        " (기댓값 {want}). 오버플로, 0/0, 0의 로그가 없는지 확인하세요",
    ),
    (
        rf"{_WHAT}: contains inf \((?P<count>\d+) entries\), first at index "
        r"(?P<index>\([^)]*\)) \(expected (?P<want>\S+)\); an overflow\?",
        "{what}: inf인 항목이 {count}개 있습니다. 처음 나온 곳은 인덱스 {index}"
        " (기댓값 {want}). 오버플로가 났나요?",
    ),
    (
        rf"{_WHAT}: values differ in (?P<count>\d+) of (?P<size>\d+) entries \(shape {_SHAPE}"
        r", dtype (?P<got>\S+) \(expected (?P<want>\S+)\)\)",
        "{what}: 전체 {size}개 항목 중 {count}개의 값이 다릅니다"
        " (모양 {shape}, dtype {got}, 기대한 dtype {want})",
    ),
    (
        rf"{_WHAT}: values differ in (?P<count>\d+) of (?P<size>\d+) entries \(shape {_SHAPE}\)",
        "{what}: 전체 {size}개 항목 중 {count}개의 값이 다릅니다 (모양 {shape})",
    ),
    (
        r"max abs error (?P<abs>\S+), max rel error (?P<rel>\S+)",
        "최대 절대 오차 {abs}, 최대 상대 오차 {rel}",
    ),
    (
        r"first at index (?P<index>\([^)]*\)): expected (?P<want>\S+), got (?P<got>\S+)",
        "처음 다른 곳은 인덱스 {index}: 기댓값 {want}, 돌아온 값 {got}",
    ),
    (
        r"expected a tuple of (?P<count>\d+) values \((?P<names>[^)]*)\), got (?P<got>.+)",
        "값 {count}개짜리 튜플 ({names})이 나와야 합니다. 돌아온 것: {got}",
    ),
    (
        r"expected a tuple of (?P<count>\d+) gradients \((?P<names>[^)]*)\)",
        "기울기 {count}개짜리 튜플 ({names})이 나와야 합니다",
    ),
    (
        r"expected a tuple \((?P<names>[^)]*)\), got (?P<got>.+)",
        "튜플 ({names})이 나와야 합니다. 돌아온 것: {got}",
    ),
    (
        r"(?P<grad>\S+) does not match numerical derivatives of your own (?P<forward>\S+): "
        r"along a random direction v, sum\((?P=grad) \* v\) = (?P<analytic>\S+) but the "
        r"central difference gives (?P<numeric>\S+) \(your backward does not match your forward\)",
        "{grad}: 직접 작성한 {forward}의 수치 기울기와 맞지 않습니다. 임의의 방향 v로"
        " sum({grad} * v) = {analytic}인데 중앙 차분으로는 {numeric}입니다"
        " (역방향 함수가 순방향 함수와 어긋납니다)",
    ),
    (
        rf"{_WHAT}: the forward did not return one output per call",
        "{what}: 순방향 함수가 호출마다 출력 하나를 돌려주지 않았습니다",
    ),
    (
        rf"{_WHAT}: the forward's output has shape (?P<got>\([^)]*\)), expected (?P<want>\([^)]*\))",
        "{what}: 순방향 함수 출력의 모양이 {got}입니다. 기대한 모양은 {want}입니다",
    ),
    (
        r"your code raised NotImplementedError: (?P<where>\S+): fill in this blank "
        r"\(see its docstring\)",
        "아직 채우지 않은 빈칸입니다: {where} (그 함수의 docstring을 보세요)",
    ),
    (
        r"your code raised (?P<error>.+)",
        "작성한 코드에서 예외가 발생했습니다: {error}",
    ),
    (
        r"your code printed:",
        "작성한 코드가 출력한 내용:",
    ),
    (
        r"\(what your code printed is kept for your instructor\)",
        "(작성한 코드가 출력한 내용은 강사에게만 전달됩니다)",
    ),
    (
        r"a hidden check failed \(its details stay with the instructor\)",
        "숨은 검사가 실패했습니다 (자세한 내용은 강사에게만 전달됩니다)",
    ),
    (
        r"your submission could not be imported: (?P<error>.+)",
        "제출물을 import하지 못했습니다: {error}",
    ),
    (
        r"importing your submission did not finish within (?P<seconds>[\d.e+-]+) s "
        r"\(an infinite loop or heavy work at module level\?\)",
        "제출물 import가 {seconds}초 안에 끝나지 않았습니다 (모듈 최상위에 무한 루프나 무거운 계산이 있나요?)",
    ),
    (
        r"(?P<what>.+?) did not finish within (?P<seconds>[\d.e+-]+) s \(an infinite loop, or far "
        r"too slow\?\); the worker was stopped",
        "{what}: {seconds}초 안에 끝나지 않아 작업 프로세스를 멈췄습니다 (무한 루프이거나 너무 느린가요?)",
    ),
    (
        r"(?P<what>\S+) did not finish within (?P<seconds>[\d.e+-]+) s in an earlier check, "
        r"so it was not run again",
        "{what}: 앞선 검사에서 {seconds}초 안에 끝나지 않아 다시 실행하지 않았습니다",
    ),
    (
        r"(?P<what>.+?) did not finish within (?P<seconds>[\d.e+-]+) s",
        "{what}: {seconds}초 안에 끝나지 않았습니다",
    ),
    (
        r"the submission used up its total time budget of (?P<seconds>[\d.e+-]+) s; "
        r"the remaining checks were not run",
        "제출물이 전체 시간 예산 {seconds}초를 다 써서 남은 검사는 실행하지 않았습니다",
    ),
    (
        r"the worker crashed too often; the remaining checks were not run",
        "작업 프로세스가 너무 자주 비정상 종료되어 남은 검사는 실행하지 않았습니다",
    ),
    (
        r"your submission could not be graded as it is: (?P<problems>.+)",
        "제출물을 지금 상태로는 채점할 수 없습니다: {problems}",
    ),
    (
        r"grader error \(not your fault; please tell your instructor\): (?P<error>.+)",
        "채점기 오류입니다 (여러분의 잘못이 아니니 강사에게 알려 주세요): {error}",
    ),
    (
        r"skipped: (?P<reason>.+)",
        "건너뜀: {reason}",
    ),
    *CHECK_TEMPLATES,
    *HIDDEN_TEMPLATES,
]
_COMPILED = [(re.compile(pattern), korean) for pattern, korean in LINE_TEMPLATES]
# Phrases inside a value (`what`) that the kit and the checks add in English.
PHRASES = {
    **CHECK_PHRASES,
    **HIDDEN_PHRASES,
    " (the backward is checked on a correct forward)": (
        " (역방향 함수는 올바른 순방향 함수 위에서 검사합니다)"
    ),
    " (checking your backward needs a correct forward)": (
        " (역방향 함수를 검사하려면 순방향 함수가 맞아야 합니다)"
    ),
}
_CALL_AFTER = re.compile(r"(?P<call>\w[\w.]*\(.*\)) after (?P<before>\w[\w.]*\(.*\))")
_MISTAKE_LINE = re.compile(r"Likely mistake \((?P<name>[^)]+)\): (?P<message>.*)")
MISTAKE_TEMPLATE = "흔한 실수로 보입니다 ({name}: {title}): {message}"
MISTAKE_UNKNOWN_TEMPLATE = "흔한 실수로 보입니다 ({name}): {message}"
KIND_TEMPLATE = "실패 유형: {kind}"


@dataclass(frozen=True)
class Mistake:
    title: str
    message: str


MODES = {"train": "학습", "eval": "평가"}


def _phrases(value: str) -> str:
    for english, korean in PHRASES.items():
        value = value.replace(english, korean)
    return value


def translate_line(line: str, mistakes: Mapping[str, Mistake] | None = None) -> str | None:
    """The Korean of one line of a failure message (indentation kept); None if unknown."""
    indent = line[: len(line) - len(line.lstrip())]
    text = line.strip()
    found = _MISTAKE_LINE.fullmatch(text)
    if found:
        name = found["name"]
        entry = (mistakes or {}).get(name)
        if entry is None:
            return indent + MISTAKE_UNKNOWN_TEMPLATE.format(name=name, message=found["message"])
        return indent + MISTAKE_TEMPLATE.format(name=name, title=entry.title, message=entry.message)
    for pattern, korean in _COMPILED:
        found = pattern.fullmatch(text)
        if found:
            values = {
                k: MODES.get(v, v) if k == "mode" else _phrases(v or "")
                for k, v in found.groupdict().items()
            }
            return indent + korean.format(**values)
    found = _CALL_AFTER.fullmatch(text)
    if found:
        return indent + f"{found['before']} 다음에 호출한 {found['call']}"
    return None


def translate_output(
    output: str, kind: str = "", mistakes: Mapping[str, Mistake] | None = None
) -> str:
    """A failing check's message in Korean: the kind first, then each line it can translate."""
    lines = [
        translated if (translated := translate_line(line, mistakes)) is not None else line
        for line in output.split("\n")
    ]
    if kind:
        lines.insert(0, KIND_TEMPLATE.format(kind=KINDS_KO.get(kind, kind)))
    return "\n".join(lines)
