"""Failure messages in Korean, line by line.

The kit (`autograder.checkkit.compare`, `.gradients`, `.patterns`) and the
sandbox write a failing check's message from fixed English templates; each
is listed here as a regular expression over one stripped line, next to its
Korean template, and the named groups carry the values (counts, errors,
indices, shapes) across. The call line and whatever a check wrote in its own
words stay as they are. `autograder.feedback_ko` uses this for the results;
`tests/test_feedback_ko.py` fails when a template has no Korean.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

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
    # Phrases that several assignments' own checks share.
    (
        r"the weights do not follow the expected distribution: their distribution function "
        r"differs from the reference's by (?P<distance>\S+) \(at most (?P<bound>\S+) is "
        r"expected by chance\)",
        "가중치가 기대한 분포를 따르지 않습니다. 분포 함수가 참조 구현의 것과 {distance}만큼"
        " 다릅니다 (우연으로는 많아야 {bound} 정도)",
    ),
    (
        r"your weights: mean (?P<mean>\S+), std (?P<std>\S+), min (?P<low>\S+), max (?P<high>\S+)",
        "작성한 코드의 가중치: 평균 {mean}, 표준편차 {std}, 최솟값 {low}, 최댓값 {high}",
    ),
    (
        r"this assignment asks you to write attention yourself: your module uses (?P<what>.+), "
        r"which is not allowed \(no F\.scaled_dot_product_attention, nn\.MultiheadAttention or "
        r"nn\.Transformer\*; use matrix products, masked_fill and softmax\)",
        "이 과제에서는 어텐션을 직접 작성해야 하는데, 모듈이 허용되지 않는 API를 씁니다: {what}"
        " (F.scaled_dot_product_attention, nn.MultiheadAttention, nn.Transformer*는 쓸 수"
        " 없습니다. 행렬 곱, masked_fill, softmax를 쓰세요)",
    ),
    (
        r"(?P<have>\S+) of the entries are zero; expected about (?P<want>\S+) "
        r"\(p = (?P<p>\S+), train = (?P<train>\w+)\)(?P<note>.*)",
        "0인 항목의 비율 {have}, 기대한 비율은 약 {want} (p = {p}, train = {train}){note}",
    ),
    (
        r"the surviving entries are x times (?P<scale>\S+) \(largest deviation (?P<spread>\S+)\); "
        r"expected x times (?P<want>\S+) for every survivor(?P<note>.*)",
        "살아남은 항목이 x의 {scale}배입니다 (가장 큰 편차 {spread})."
        " 살아남은 모든 항목이 x의 {want}배여야 합니다{note}",
    ),
    (
        r"dx differs from dout times the factor your forward applied \(0 or its scale\) in "
        r"(?P<share>\S+) of the entries: the backward must use the same mask as the forward, "
        r"scaled the same way",
        "항목의 {share}에서 dx가 dout에 순방향 함수가 적용한 인수(0 또는 스케일)를 곱한 값과"
        " 다릅니다. 역방향 함수는 순방향 함수와 같은 마스크를 같은 스케일로 써야 합니다",
    ),
    (
        r"dx differs from dout in (?P<share>\S+) of the entries: in eval mode the backward "
        r"pass is the identity",
        "항목의 {share}에서 dx가 dout과 다릅니다. 평가 모드에서 역전파는 항등 함수입니다",
    ),
    (
        r"argument (?P<index>\d+) was modified in place; compute new arrays instead of "
        r"writing into your inputs",
        "인자 {index}번이 제자리에서 바뀌었습니다. 입력에 쓰지 말고 새 배열을 만드세요",
    ),
    (
        r"(?P<what>.+?) was modified in place(?:; work on copies)?",
        "{what}: 제자리에서 바뀌었습니다. 복사본에서 작업하세요",
    ),
    (
        r"(?P<what>.+?) contains? inf or nan",
        "{what}: inf나 nan이 들어 있습니다",
    ),
    (
        r"the (?:run|call) did not complete normally",
        "실행이 정상적으로 끝나지 않았습니다",
    ),
    (
        r"expected a float array, got (?P<type>\S+)",
        "실수 배열이 나와야 하는데 {type} 값이 돌아왔습니다",
    ),
    (
        r"wrong shape: expected (?P<want>\([^)]*\)), got (?P<got>\([^)]*\))",
        "모양이 다릅니다. 기대한 모양 {want}, 돌아온 모양 {got}",
    ),
    (
        rf"{_WHAT}: expected a dict, got (?P<type>\S+)",
        "{what}: dict가 나와야 하는데 {type} 값이 돌아왔습니다",
    ),
    (
        r"expected (?P<function>\w+) to return \((?P<names>[^)]*)\)",
        "{function}: 돌려줘야 하는 값은 ({names})입니다",
    ),
    (
        r"expected a tuple \((?P<names>[^)]*)\)",
        "튜플 ({names})이 나와야 합니다",
    ),
    (
        r"expected one number per step, got (?P<got>.+)",
        "단계마다 숫자 하나가 나와야 하는데 돌아온 것: {got}",
    ),
    (
        r"two calls with the same seed gave different outputs: draw the mask from "
        r"np\.random\.default_rng\(seed\) only",
        "같은 시드로 두 번 호출했는데 출력이 다릅니다. 마스크는 np.random.default_rng(seed)에서만 뽑으세요",
    ),
    (
        r"seeds (?P<first>\d+) and (?P<second>\d+) gave the same output",
        "시드 {first}, {second}에서 같은 출력이 나왔습니다",
    ),
    (
        r"two calls with seed=None gave the same output: seed=None must draw a fresh mask "
        r"each time",
        "seed=None으로 두 번 호출했는데 출력이 같습니다. seed=None이면 매번 새 마스크를 뽑아야 합니다",
    ),
    (
        r"step\(\) must return a bool, got (?P<got>.+)",
        "step()은 bool을 돌려줘야 하는데 돌아온 것: {got}",
    ),
    (
        r"best_step is still None after (?P<count>\d+) calls",
        "{count}번 호출한 뒤에도 best_step이 None입니다",
    ),
    (
        r"step modified a gradient array it was given \((?P<which>[^)]*)\): gradients belong "
        r"to the caller; build new arrays \(g = g \+ \.\.\.\) instead of updating them in "
        r"place \(g \+= \.\.\.\), and copy a gradient before keeping it as state that you "
        r"later update in place",
        "step이 받은 기울기 배열({which})을 바꿨습니다. 기울기는 호출한 쪽의 것입니다."
        " 제자리에서 갱신하지 말고(g += ...) 새 배열을 만드세요(g = g + ...)."
        " 기울기를 상태로 보관했다가 나중에 제자리에서 갱신한다면 먼저 복사하세요",
    ),
    (
        r"(?P<which>params\[\d+\]) held by the caller never changed: update each parameter "
        r"array in place \(p -= \.\.\., or p\[\.\.\.\] = \.\.\.\); p = p - \.\.\. only "
        r"rebinds a local name",
        "호출한 쪽이 가진 배열 {which}의 값이 바뀌지 않았습니다. 각 파라미터 배열을 제자리에서"
        " 갱신하세요(p -= ... 또는 p[...] = ...). p = p - ...는 지역 이름만 다시 묶습니다",
    ),
    (
        r"opt\.params no longer holds the caller's arrays \(keep self\.params as given\)",
        "opt.params가 더는 호출한 쪽의 배열을 가리키지 않습니다 (self.params는 받은 그대로 두세요)",
    ),
    (
        r"returned None: return the total norm before clipping",
        "None을 돌려줬습니다. 클리핑하기 전의 전체 노름을 돌려주세요",
    ),
    (
        r"the gradients' total norm exceeds max_norm, yet the caller's grads did not change: "
        r"scale the given arrays in place \(g \*= \.\.\.\); new arrays never reach the caller",
        "기울기들의 전체 노름이 max_norm보다 큰데 호출한 쪽의 grads가 바뀌지 않았습니다."
        " 받은 배열을 제자리에서 스케일링하세요(g *= ...). 새 배열은 호출한 쪽에 닿지 않습니다",
    ),
    (
        r"two forward passes of the same input in eval mode differ: dropout must be off in "
        r"eval mode \(use nn\.Dropout modules, or pass training=self\.training\)",
        "평가 모드에서 같은 입력으로 두 번 순전파한 결과가 다릅니다. 평가 모드에서는 드롭아웃이"
        " 꺼져야 합니다 (nn.Dropout 모듈을 쓰거나 training=self.training을 넘기세요)",
    ),
]
_COMPILED = [(re.compile(pattern), korean) for pattern, korean in LINE_TEMPLATES]
# Phrases inside a value (`what`) that the kit adds in English.
PHRASES = {
    "lr at each step (index = position in the list of steps)": (
        "단계마다의 lr (인덱스 = 단계 목록에서의 위치)"
    ),
    "fold table (1 = validation, 2 = train)": "폴드 표 (1 = 검증, 2 = 학습)",
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
            values = {k: _phrases(v) for k, v in found.groupdict().items()}
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
