"""The student README of a GitHub Classroom repository, in English and Korean."""

from __future__ import annotations

from autograder.config import Assignment
from autograder.platforms.classroom.task import ClassroomTest

ENGLISH = """# {id}: {title}

Your repository for the assignment `{id}`. [한국어 안내는 아래에 있습니다.](#한국어)

## What to do

1. Read `assignments/{id}/README.md`: the maths, the tasks, the shapes.
2. Fill in every `# YOUR CODE HERE` in `assignments/{id}/{module}`. Each blank
   raises `NotImplementedError` until you do.
3. Work through the notebook `assignments/{id}/{id}.ipynb` (the same code).
4. Check yourself as often as you like (set-up once, Python 3.10 or newer):

   ```
   python3 -m venv .venv && source .venv/bin/activate
{setup}   dlcourse check {id}
   ```

   For every failing check it says what was called, expected versus got, and
   the known mistake it looks like. Stuck on a task? `dlcourse hint {id} TASK`
   shows a hint, one level at a time.
5. Commit and push. GitHub runs the same public checks (the Actions tab,
   "Autograding Tests"): a task earns its points when every public check of
   the task passes.

| task | points |
|------|-------:|
{table}
| total | {total} |
{scaled}
Only edit `assignments/{id}/`. Your instructor grades your module with their
own copy of the checks, which adds hidden checks with other inputs: the
points here are feedback, not your grade.
"""

KOREAN = """## 한국어

과제 `{id}`의 저장소입니다.

### 할 일

1. 먼저 `assignments/{id}/README.ko.md` 파일을 읽으세요. 수식, 과제 항목, 배열
   모양이 설명되어 있습니다.
2. `assignments/{id}/{module}` 파일에서 `# YOUR CODE HERE` 표시가 있는 빈칸을
   모두 채우세요. 채우기 전까지는 빈칸마다 `NotImplementedError` 예외가 납니다.
3. 노트북 `assignments/{id}/{id}.ko.ipynb` 파일도 차례로 실행해 보세요. 코드는
   모듈과 같습니다.
4. 언제든 스스로 점검해 보세요. 처음 한 번만 준비하면 됩니다 (Python 3.10 이상).

   ```
   python3 -m venv .venv && source .venv/bin/activate
{setup}   dlcourse check {id} --lang ko
   ```

   실패한 검사마다 무엇을 호출했는지, 기대한 값과 실제 값이 무엇인지, 어떤 흔한
   실수와 닮았는지 한국어로 알려 줍니다. 막히면 `dlcourse hint {id} TASK --lang ko`
   명령으로 힌트를 한 단계씩 볼 수 있습니다.
5. 커밋하고 푸시하세요. GitHub에서 같은 공개 검사가 실행됩니다 (Actions 탭의
   "Autograding Tests"). 과제 항목의 공개 검사를 모두 통과하면 그 항목의 점수를
   받습니다.

| 과제 항목 | 점수 |
|------|-------:|
{table}
| 합계 | {total} |
{scaled_ko}
`assignments/{id}/` 폴더만 고치세요. 강사는 따로 가진 검사로 여러분의 모듈을
채점하며, 여기에 다른 입력을 쓰는 숨은 검사가 더해집니다. 여기 나오는 점수는
참고용 피드백이고 최종 성적이 아닙니다.
"""


def _points(value: float) -> str:
    return f"{value:g}"


def student_readme(spec: Assignment, tests: list[ClassroomTest], *, scale: int, setup: str) -> str:
    """README.md of the repository: the English text, then the Korean one."""
    commands = "".join(f"   {line}\n" for line in setup.splitlines())
    table = "\n".join(f"| `{t.task}` | {_points(t.points)} |" for t in tests)
    total = sum(t.points for t in tests)
    scaled = scaled_ko = ""
    if scale != 1:
        scaled = (
            f"\nGitHub Classroom counts whole points, so there every task is worth {scale} "
            f"times these points ({_points(total * scale)} in all).\n"
        )
        scaled_ko = (
            f"\nGitHub Classroom은 정수 점수만 세므로, 그곳에서는 모든 과제 항목의 점수가 "
            f"이 표의 {scale}배입니다 (합계 {_points(total * scale)}점).\n"
        )
    values = {
        "id": spec.id,
        "title": spec.title,
        "module": spec.modules[0],
        "setup": commands,
        "table": table,
        "total": _points(total),
        "scaled": scaled,
        "scaled_ko": scaled_ko,
    }
    return ENGLISH.format(**values) + "\n" + KOREAN.format(**values)
