"""Korean particles that agree with a number as it is read aloud.

A particle after a noun depends on the noun's last spoken syllable: 이/을/은/과/
으로 after a final consonant (받침), 가/를/는/와/로 after a vowel, and 로 (not
으로) after ㄹ. A bank template cannot know which: "{x}가" is right for 2 (이)
and wrong for 2.1 (이 점 일). `agree_particles` rewrites the particle after
every number of a rendered Korean text to match the number read the
Sino-Korean way: digits after the decimal point one by one ("2.1" ends in 일),
whole numbers by place ("10" ends in 십, "300" in 백, "20000" in 만), and "%"
as 퍼센트.

A particle is recognised only when a word boundary follows it, so "2가지",
"3이다" and "1이면" (a counter, the copula) are left alone.

`agree_after_option_refs` does the same for `{opt:N}` references before they
become letters: every option letter A-H is read with a final vowel (에이, 비,
씨, 디, 이, 에프, 지, 에이치), so "{opt:2}이" becomes "{opt:2}가".
"""

from __future__ import annotations

import re

VOWEL, CONSONANT, RIEUL = "vowel", "consonant", "rieul"

# The final sound of each digit read alone: 영 일 이 삼 사 오 육 칠 팔 구.
_DIGIT_END = {
    "0": CONSONANT,
    "1": RIEUL,
    "2": VOWEL,
    "3": CONSONANT,
    "4": VOWEL,
    "5": VOWEL,
    "6": CONSONANT,
    "7": RIEUL,
    "8": RIEUL,
    "9": VOWEL,
}
# A whole number ending in zeros ends in its place word: 십 백 천, then 만 for
# 10^4..10^7, 억 for 10^8..10^11, 조 for 10^12..10^15, 경 beyond.
_PLACE_END = {1: CONSONANT, 2: CONSONANT, 3: CONSONANT}

# (after a consonant, after a vowel); after ㄹ the second form of 으로/로 is used.
_PAIRS = {
    "이": ("이", "가"),
    "가": ("이", "가"),
    "을": ("을", "를"),
    "를": ("을", "를"),
    "은": ("은", "는"),
    "는": ("은", "는"),
    "과": ("과", "와"),
    "와": ("과", "와"),
    "으로": ("으로", "로"),
    "로": ("으로", "로"),
}

_NUMBER_PARTICLE_RE = re.compile(
    r"(?<![\d.,])(?P<number>\d[\d,]*(?:\.\d+)?%?)"
    r"(?:(?P<ro>으로|로)(?=서|써|는|도|부터|의|만|[^\uac00-\ud7a3]|$)"
    r"|(?P<other>이|가|을|를|은|는|과|와)(?=[^\uac00-\ud7a3]|$))"
)


_OPTION_REF_PARTICLE_RE = re.compile(
    r"(?P<ref>\{opt:\d+\})"
    r"(?:(?P<ro>으로|로)(?=서|써|는|도|부터|의|만|[^\uac00-\ud7a3]|$)"
    r"|(?P<other>이|가|을|를|은|는|과|와)(?=[^\uac00-\ud7a3]|$))"
)


def final_sound(number: str) -> str:
    """How the Sino-Korean reading of `number` ends: VOWEL, CONSONANT or RIEUL.

    `number` is digits with an optional decimal part, commas or a final "%".
    """
    if number.endswith("%"):
        return VOWEL  # 퍼센트
    digits = number.replace(",", "")
    if "." in digits:
        return _DIGIT_END[digits[-1]]  # 이 점 일 영: every decimal is read
    stripped = digits.lstrip("0")
    if not stripped:
        return CONSONANT  # 영
    zeros = len(stripped) - len(stripped.rstrip("0"))
    if zeros == 0:
        return _DIGIT_END[stripped[-1]]
    if zeros in _PLACE_END:
        return _PLACE_END[zeros]
    if 12 <= zeros < 16:
        return VOWEL  # 조
    return CONSONANT  # 만, 억, 경


def particle_for(number: str, particle: str) -> str:
    """The form of `particle` (either form of a pair) that agrees with `number`."""
    with_consonant, with_vowel = _PAIRS[particle]
    sound = final_sound(number)
    if sound == VOWEL or (sound == RIEUL and with_consonant == "으로"):
        return with_vowel
    return with_consonant


def agree_particles(text: str) -> str:
    """`text` with every particle after a number in the form that agrees with it."""

    def repl(match: re.Match[str]) -> str:
        number = match.group("number")
        particle = match.group("ro") or match.group("other")
        return number + particle_for(number, particle)

    return _NUMBER_PARTICLE_RE.sub(repl, text)


def agree_after_option_refs(text: str) -> str:
    """`text` with the particle after each `{opt:N}` in its after-a-vowel form."""

    def repl(match: re.Match[str]) -> str:
        particle = match.group("ro") or match.group("other")
        return match.group("ref") + _PAIRS[particle][1]

    return _OPTION_REF_PARTICLE_RE.sub(repl, text)
