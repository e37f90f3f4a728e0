"""Korean for the phrases that only hidden checks write (private: never in the bundle).

Like `test_hidden.py`, whose messages these are, this module stays out of the
student bundle (`autograder.release.bundle.PRIVATE_NAMES`); `autograder.feedback.failures_ko`
uses it when it is there.
"""

from __future__ import annotations

HIDDEN_TEMPLATES: list[tuple[str, str]] = [
    (
        r"(?P<count>\d+) x batchnorm_forward\(x(?P<shape>\([^)]*\)), gamma, beta, bn_param\) in "
        r"train mode starting from bn_param=\{'mode': 'train'\}, then one call in eval mode",
        "batchnorm_forward(x{shape}, gamma, beta, bn_param) 호출 {count}번"
        "(학습 모드, bn_param={{'mode': 'train'}}에서 시작), 그다음 평가 모드로 한 번 호출",
    ),
    (r"(?P<name>\w+) \(a forward pass\)", "{name} (순전파 한 번)"),
    (r"(?P<name>\w+) \(the forward passes\)", "{name} (순방향 함수 호출들)"),
    (
        r"conv_forward\(x, w, b\) with default arguments",
        "기본 인자로 호출한 conv_forward(x, w, b)",
    ),
    (
        r"conv_forward\(x, w, b\) with default arguments: expected out of shape "
        r"(?P<want>\([^)]*\)), got (?P<got>\([^)]*\)) \(defaults are stride=1, pad=0, "
        r"dilation=1\)",
        "기본 인자로 호출한 conv_forward(x, w, b): 기대한 out의 모양 {want}, 돌아온 모양 {got}"
        " (기본값은 stride=1, pad=0, dilation=1)",
    ),
    (
        r"each row of weights must sum to 1",
        "weights의 각 행의 합은 1이어야 합니다",
    ),
    (
        r"weights of blocked keys must be exactly 0; the largest is (?P<top>\S+) "
        r"\(give blocked scores -inf before the softmax\)",
        "막힌 키의 가중치는 정확히 0이어야 하는데 가장 큰 값이 {top}입니다"
        " (소프트맥스 전에 막힌 점수를 -inf로 두세요)",
    ),
]

HIDDEN_PHRASES: dict[str, str] = {
    ", setting opt.lr to a new value before every step": ", 단계마다 그 전에 opt.lr을 새 값으로 바꿈",
}
