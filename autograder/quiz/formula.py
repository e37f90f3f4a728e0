"""A small, safe arithmetic language for parametrized questions.

A bank states the answer of a parametrized question as an expression over its
drawn values, e.g. `(H + 2*P - D*(K - 1) - 1) // S + 1`. The expression is
parsed with Python's `ast` module and evaluated by walking a whitelist of node
types: numbers, the names of the drawn values, arithmetic (+ - * / // % **),
comparisons, `and` / `or` / `not`, `a if cond else b` and the functions below.
Nothing is ever passed to `eval` or `exec`.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

Number = int | float

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "ceil": math.ceil,
    "comb": math.comb,
    "cos": math.cos,
    "exp": math.exp,
    "floor": math.floor,
    "log": math.log,
    "log2": math.log2,
    "max": max,
    "min": min,
    "round": round,
    "sin": math.sin,
    "sqrt": math.sqrt,
    "tanh": math.tanh,
}
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}
RESERVED = frozenset(FUNCTIONS) | frozenset(CONSTANTS)

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_MAX_EXPONENT = 1000


class FormulaError(ValueError):
    """An expression uses something the language does not have, or fails to evaluate."""


@lru_cache(maxsize=1024)
def parse(expr: str) -> ast.Expression:
    """Parse `expr` and check that it uses only the whitelisted constructs."""
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"not an expression: {expr!r} ({exc.msg})") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                raise FormulaError(f"unknown function in {expr!r}")
            if node.keywords:
                raise FormulaError(f"keyword arguments are not allowed in {expr!r}")
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise FormulaError(f"only numbers may appear as constants in {expr!r}")
        elif not isinstance(
            node,
            (
                ast.Expression,
                ast.BinOp,
                ast.UnaryOp,
                ast.BoolOp,
                ast.Compare,
                ast.IfExp,
                ast.Name,
                ast.Load,
                ast.operator,
                ast.unaryop,
                ast.boolop,
                ast.cmpop,
            ),
        ):
            raise FormulaError(f"{type(node).__name__} is not allowed in {expr!r}")
        if isinstance(node, ast.BinOp) and type(node.op) not in _BINARY:
            raise FormulaError(f"operator {type(node.op).__name__} is not allowed in {expr!r}")
        if isinstance(node, ast.UnaryOp) and not isinstance(node.op, (ast.USub, ast.UAdd, ast.Not)):
            raise FormulaError(f"operator {type(node.op).__name__} is not allowed in {expr!r}")
        if isinstance(node, ast.Compare) and any(type(op) not in _COMPARE for op in node.ops):
            raise FormulaError(f"comparison not allowed in {expr!r}")
    return tree


def names(expr: str) -> set[str]:
    """The free names of `expr` (drawn values it needs), functions and constants excluded."""
    tree = parse(expr)
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)}
    found = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return found - called - set(CONSTANTS)


def evaluate(expr: str, env: Mapping[str, Number]) -> Number | bool:
    """Evaluate `expr` with the values of `env`; raise FormulaError on any failure."""
    tree = parse(expr)
    try:
        return _eval(tree.body, env)
    except FormulaError:
        raise
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise FormulaError(f"{expr!r} failed with {env}: {exc}") from None


def _eval(node: ast.AST, env: Mapping[str, Number]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        raise FormulaError(f"unknown name {node.id!r}")
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, env), _eval(node.right, env)
        if isinstance(node.op, ast.Pow) and abs(right) > _MAX_EXPONENT:
            raise FormulaError(f"exponent {right} is too large")
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, env)
        if isinstance(node.op, ast.Not):
            return not value
        return -value if isinstance(node.op, ast.USub) else +value
    if isinstance(node, ast.BoolOp):
        values = (_eval(v, env) for v in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, env)
        for op, comparator in zip(node.ops, node.comparators):
            right = _eval(comparator, env)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.IfExp):
        return _eval(node.body if _eval(node.test, env) else node.orelse, env)
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        return FUNCTIONS[node.func.id](*(_eval(a, env) for a in node.args))
    raise FormulaError(f"{type(node).__name__} is not allowed")
