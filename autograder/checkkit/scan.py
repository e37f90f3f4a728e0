"""A static scan of submitted source for APIs an assignment forbids.

Anything that runs in the worker is the student's to change: an in-process
hook or import guard can be switched off by the code it watches. So bans are
also enforced from outside: this module reads the submitted files (never runs
them) and reports every way they could reach a forbidden API:

- the forbidden names themselves, as attributes (`F.scaled_dot_product_attention`),
  names, imports (`from torch.nn import MultiheadAttention`) or strings;
- the raw dispatch layers behind them (`torch._C`, `torch.ops`);
- attribute lookups and imports by a computed name (`getattr(F, name)`,
  `importlib.import_module(...)`, `__import__(...)`, `vars(F)[...]`,
  `F.__dict__`, `eval`/`exec`/`compile`), which could spell any of them.

Docstrings are not read. A finding costs the tasks the assignment's checks
choose and becomes an integrity note in results.json.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Per assignment: names whose use is forbidden in the submitted source.
FORBIDDEN_APIS: dict[str, frozenset[str]] = {
    "transformer": frozenset(
        {
            "scaled_dot_product_attention",
            "multi_head_attention_forward",
            "_native_multi_head_attention",
            "MultiheadAttention",
            "Transformer",
            "TransformerEncoder",
            "TransformerEncoderLayer",
            "TransformerDecoder",
            "TransformerDecoderLayer",
        }
    ),
}
# Modules below which the forbidden kernels live without their public names.
RAW_LAYERS = ("torch._C", "torch.ops", "torch._ops")
DYNAMIC_CALLS = {
    "getattr": "an attribute looked up by a computed name",
    "__import__": "an import by a computed name",
    "import_module": "an import by a computed name",
    "vars": "an attribute table read directly (vars)",
    "eval": "code built at run time (eval)",
    "exec": "code built at run time (exec)",
    "compile": "code built at run time (compile)",
    "attrgetter": "an attribute looked up by a computed name (operator.attrgetter)",
    "getmembers": "an attribute table read directly (inspect.getmembers)",
    "getattr_static": "an attribute looked up by a computed name (inspect.getattr_static)",
}
DUNDER_ATTRIBUTES = {"__dict__", "__getattribute__", "__builtins__", "__globals__"}


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.file}, line {self.line}: {self.what}"


def _dotted(node: ast.AST) -> str:
    """`a.b.c` for a chain of attributes on a name, else ""."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _docstrings(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _aliases(tree: ast.AST) -> dict[str, str]:
    """Local name -> the module or object it was imported as (`F` -> `torch.nn.functional`)."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _resolve(dotted: str, aliases: Mapping[str, str]) -> str:
    head, _, rest = dotted.partition(".")
    base = aliases.get(head, head)
    return f"{base}.{rest}" if rest else base


def _called_with_literal(node: ast.AST, parents: Mapping[int, ast.AST]) -> bool:
    """`getattr(obj, "name")`: a call of `node` whose name argument is a plain string."""
    call = parents.get(id(node))
    if not isinstance(call, ast.Call) or call.func is not node:
        return False
    name = call.args[1] if len(call.args) > 1 else None
    return isinstance(name, ast.Constant) and isinstance(name.value, str)


def _is_raw(path: str) -> bool:
    return any(path == raw or path.startswith(raw + ".") for raw in RAW_LAYERS)


def scan_source(text: str, forbidden: Iterable[str], *, file: str = "<source>") -> list[Finding]:
    """Every use of a forbidden name, a raw dispatch layer or a computed lookup in `text`."""
    banned = set(forbidden)
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        return [Finding(file, exc.lineno or 0, "the file does not parse, so it cannot be checked")]
    docstrings = _docstrings(tree)
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    aliases = _aliases(tree)
    findings: list[Finding] = []

    def add(node: ast.AST, what: str) -> None:
        findings.append(Finding(file, getattr(node, "lineno", 0), what))

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if node.attr in banned:
                add(node, f"uses {node.attr}")
            elif node.attr in DYNAMIC_CALLS and not _called_with_literal(node, parents):
                add(node, DYNAMIC_CALLS[node.attr])
            elif node.attr in DUNDER_ATTRIBUTES:
                add(node, f"reads {node.attr} (an attribute table, looked up by name)")
            chain, inner = _dotted(node), _dotted(node.value)
            if (
                chain
                and _is_raw(_resolve(chain, aliases))
                and not (inner and _is_raw(_resolve(inner, aliases)))
            ):
                add(node, f"uses {_resolve(chain, aliases)} (torch's raw dispatch layer)")
        elif isinstance(node, ast.Name):
            if node.id in banned:
                add(node, f"uses {node.id}")
            elif node.id in DYNAMIC_CALLS and not _called_with_literal(node, parents):
                add(node, DYNAMIC_CALLS[node.id])
            elif aliases.get(node.id) and _is_raw(aliases[node.id]):
                add(node, f"uses {aliases[node.id]} (torch's raw dispatch layer)")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            for alias in node.names:
                full = f"{module}.{alias.name}" if module else alias.name
                if alias.name in banned or _is_raw(full) or (module and _is_raw(module)):
                    add(node, f"imports {full}")
                if full.split(".")[0] == "importlib" or alias.name == "import_module":
                    add(node, "imports importlib (imports by a computed name)")
        elif isinstance(node, ast.Call):
            name = (
                node.func.attr
                if isinstance(node.func, ast.Attribute)
                else getattr(node.func, "id", "")
            )
            if name in DYNAMIC_CALLS:
                literal = [a.value for a in node.args[1:2] if isinstance(a, ast.Constant)]
                if name == "getattr" and literal and isinstance(literal[0], str):
                    if literal[0] in banned or literal[0] in DUNDER_ATTRIBUTES:
                        add(node, f"uses {literal[0]} (through getattr)")
                    elif literal[0] in {"_C", "ops", "_ops"}:
                        add(node, f"uses {literal[0]} (through getattr)")
                else:
                    add(node, DYNAMIC_CALLS[name])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) in docstrings:
                continue
            hits = sorted(b for b in banned if re.search(rf"\b{re.escape(b)}\b", node.value))
            if hits:
                add(node, f"names {', '.join(hits)} in a string")
    unique = {(f.line, f.what): f for f in findings}
    return sorted(unique.values(), key=lambda f: (f.file, f.line, f.what))


# Findings of recent scans, by a digest of what was scanned: every check of an
# assignment that bans APIs scans the same files again, and grading notes them once more.
_SCANNED: OrderedDict[str, tuple[Finding, ...]] = OrderedDict()
_SCANNED_LIMIT = 256


def _digest(files: Mapping[str, bytes], forbidden: Iterable[str]) -> str:
    """A digest of the forbidden names and every (file name, bytes) pair, each length-prefixed."""
    digest = hashlib.sha256()

    def add(data: bytes) -> None:
        digest.update(len(data).to_bytes(8, "big") + data)

    add("\n".join(sorted(forbidden)).encode())
    for name in sorted(files):
        add(name.encode("utf-8", errors="surrogateescape"))
        add(bytes(files[name]))
    return digest.hexdigest()


def scan_files(files: Mapping[str, bytes], assignment: str) -> list[Finding]:
    """Scan every Python file of a submission against the assignment's forbidden APIs.

    The same files (names and bytes) scanned for the same forbidden names give
    the same findings, so a scan is done once and its findings are reused.
    """
    forbidden = FORBIDDEN_APIS.get(assignment)
    if not forbidden:
        return []
    key = _digest(files, forbidden)
    if key in _SCANNED:
        _SCANNED.move_to_end(key)
        return list(_SCANNED[key])
    findings: list[Finding] = []
    for name, data in sorted(files.items()):
        if name.endswith(".py"):
            text = data.decode("utf-8", errors="replace")
            findings += scan_source(text, forbidden, file=name)
    _SCANNED[key] = tuple(findings)
    if len(_SCANNED) > _SCANNED_LIMIT:
        _SCANNED.popitem(last=False)
    return findings


def integrity_notes(files: Mapping[str, bytes], assignment: str) -> list[str]:
    """The scan's findings, worded as integrity notes for results.json."""
    return [
        f"{finding.file}: forbidden API (static scan, line {finding.line}): {finding.what}"
        for finding in scan_files(files, assignment)
    ]
