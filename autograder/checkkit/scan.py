"""A static scan of submitted source for APIs an assignment forbids.

Anything that runs in the worker is the student's to change: an in-process
hook or import guard can be switched off by the code it watches. So bans are
enforced from outside, twice:

- this scan reads the submitted files in the grader (it never runs them) and
  reports every way they could reach a forbidden API: the forbidden names
  themselves (attributes, names, imports, strings and bytes, a match
  statement's class patterns), and every generic reach primitive, listed with
  the words the integrity note uses in `autograder.checkkit.scan_rules`
  (namespaces read by key, lookups by a computed name, objects or code rebuilt
  from bytes or text, imports of what was written at run time, torch's raw and
  private layers, another interpreter). A file is read as Python reads it: the
  bytes are parsed with their PEP 263 declaration honoured, and a declaration of
  anything but UTF-8 is a finding of its own (no honest module needs one; UTF-7
  hides code from a UTF-8 reader);
- the worker of an assignment that bans torch's attention removes the kernels
  before the submission's first line runs (`autograder/sandbox/inside/worker.py`),
  so a call by a route this scan does not know still computes nothing.

Docstrings are not read. A finding costs the tasks the assignment's checks
choose and becomes an integrity note in results.json.
"""

from __future__ import annotations

import ast
import codecs
import hashlib
import io
import re
import tokenize
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from autograder.checkkit import scan_rules as rules
from autograder.checkkit.compare import CheckFailure
from autograder.messages import Message
from autograder.sandbox.submission import Submission

# The APIs that compute attention for you: transformer and seq2seq ask for it by hand.
ATTENTION_APIS = frozenset(
    {
        "scaled_dot_product_attention",
        "multi_head_attention_forward",
        "_native_multi_head_attention",
        "flex_attention",
        "MultiheadAttention",
        "Transformer",
        "TransformerEncoder",
        "TransformerEncoderLayer",
        "TransformerDecoder",
        "TransformerDecoderLayer",
    }
)
# Per assignment: names whose use is forbidden in the submitted source.
FORBIDDEN_APIS: dict[str, frozenset[str]] = {
    "transformer": ATTENTION_APIS,
    "seq2seq": ATTENTION_APIS,
    "vit": ATTENTION_APIS,  # "same bans as transformer" (their transformer.py included)
    "bert": ATTENTION_APIS,
}
_UTF8 = {"utf-8", "utf-8-sig", "ascii"}
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")  # PEP 263's, on a comment line


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.file}, line {self.line}: {self.what}"


def _docstrings(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def encoding_findings(data: bytes, file: str) -> list[Finding]:
    """A declared source encoding other than UTF-8, or bytes that are not UTF-8.

    Python honours a PEP 263 declaration on either of the first two lines; the
    declaration is looked for here on lines split every way a reader might
    split them, so no encoding slips past by a line break Python and the
    tokenize module read differently.
    """
    found = []
    head = re.split(rb"\r\n|\r|\n", data, maxsplit=2)[:2]
    declared = {
        m.group(1).decode("ascii", "replace") for line in head if (m := _COOKIE.match(line))
    }
    try:
        declared.add(tokenize.detect_encoding(io.BytesIO(data).readline)[0])
    except SyntaxError as exc:
        found.append(
            Finding(file, exc.lineno or 1, f"declares a source encoding Python refuses ({exc.msg})")
        )
    for name in sorted(declared):
        try:
            normal = codecs.lookup(name).name
        except LookupError:
            normal = name
        if normal not in _UTF8:
            found.append(
                Finding(
                    file,
                    1,
                    f"declares the source encoding {name}: the course reads UTF-8 source only",
                )
            )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        found.append(Finding(file, data[: exc.start].count(b"\n") + 1, "is not valid UTF-8 source"))
    return found


def scan_source(
    source: str | bytes, forbidden: Iterable[str], *, file: str = "<source>"
) -> list[Finding]:
    """Every use of a forbidden name or a reach primitive in `source` (text, or a file's bytes)."""
    banned = set(forbidden)
    findings = encoding_findings(source, file) if isinstance(source, bytes) else []
    try:
        tree = ast.parse(source)  # bytes: decoded as Python decodes them
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        line = getattr(exc, "lineno", 0) or 0
        findings.append(Finding(file, line, "the file does not parse, so it cannot be checked"))
        return findings
    findings += _walk(tree, banned, file)
    unique = {(f.line, f.what): f for f in findings}
    return sorted(unique.values(), key=lambda f: (f.file, f.line, f.what))


def _literal_name(call: ast.Call) -> str | None:
    """The attribute name of `getattr(obj, "name", ...)` when it is a plain string."""
    name = call.args[1] if len(call.args) > 1 else None
    if isinstance(name, ast.Constant) and isinstance(name.value, str):
        return name.value
    return None


def _walk(tree: ast.AST, banned: set[str], file: str) -> list[Finding]:
    docstrings = _docstrings(tree)
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    names = rules.aliases(tree)
    findings: list[Finding] = []

    def add(node: ast.AST, what: str) -> None:
        findings.append(Finding(file, getattr(node, "lineno", 0), what))

    def attribute_name(node: ast.AST, attr: str, how: str = "") -> None:
        if attr in banned:
            add(node, f"uses {attr}{how}")
        elif attr in rules.ATTRIBUTE_REACH:
            add(node, rules.ATTRIBUTE_REACH[attr])

    def called(node: ast.AST) -> ast.Call | None:
        call = parents.get(id(node))
        return call if isinstance(call, ast.Call) and call.func is node else None

    def plain(key: ast.AST | None) -> bool:
        """A constant key in plain sight that names nothing forbidden or reaching."""
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return False
        named = any(re.search(rf"\b{re.escape(b)}\b", key.value) for b in banned)
        return not named and not rules.module_reach(key.value) and not key.value.startswith("__")

    def keyed(table: ast.AST, writable: bool = True) -> bool:
        """Is the table `table` evaluates to only read by a plain constant key (or written)?"""
        parent = parents.get(id(table))
        if isinstance(parent, ast.Subscript) and parent.value is table:
            if not isinstance(parent.ctx, ast.Load):
                return writable
            return plain(parent.slice)
        if isinstance(parent, ast.Attribute) and parent.value is table:
            call = called(parent)
            return parent.attr == "get" and call is not None and plain(next(iter(call.args), None))
        return False

    def own_namespace(call: ast.Call) -> bool:
        """globals() keyed plainly, written, or listed: only what the module bound in sight.

        Iterating a module's own namespace yields the names its statements bound
        (each one scanned where it is bound; a star import is a finding of its
        own) and __builtins__; the worker's guard stands behind that one.
        """
        parent = parents.get(id(call))
        if keyed(call) or (isinstance(parent, ast.For) and parent.iter is call):
            return True
        if isinstance(parent, ast.Attribute) and parent.attr in {"items", "keys", "values"}:
            return called(parent) is not None
        return isinstance(parent, ast.Call) and rules.dotted(parent.func) in {"list", "sorted"}

    def builtin(node: ast.AST, name: str) -> None:
        call = called(node)
        if name == "getattr" and call is not None and (literal := _literal_name(call)) is not None:
            attribute_name(node, literal, " (through getattr)")
            owner = rules.dotted(call.args[0])
            if owner and (what := rules.path_reach(rules.resolve(f"{owner}.{literal}", names))):
                add(node, what)
            return
        if name in {"globals", "locals"} and call is not None and not call.args:
            if own_namespace(call):
                return
        add(node, rules.BUILTIN_REACH[name])

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            attribute_name(node, node.attr)
            chain, inner = rules.dotted(node), rules.dotted(node.value)
            if chain and not isinstance(parents.get(id(node)), ast.Attribute):
                head = chain.split(".")[0]
                path = rules.resolve(chain, names)
                what = rules.chain_reach(path.split("."), head in names)
                if path.endswith("sys.modules"):  # sys.modules["numpy"] read: in plain sight
                    what = "" if keyed(node, writable=False) else what
                elif path.endswith("sys.modules.get"):
                    what = "" if keyed(node.value) else what
                if what:
                    add(node, what)
            if node.attr == "open" and (call := called(node)) is not None:
                if rules.write_mode(call, None):
                    add(node, "a file opened for writing at run time (open)")
            if inner and rules.resolve(inner, names) in {"builtins", "__builtins__"}:
                if node.attr in rules.BUILTIN_REACH:
                    add(node, rules.BUILTIN_REACH[node.attr])
        elif isinstance(node, ast.Name):
            if node.id in banned:
                add(node, f"uses {node.id}")
            elif node.id in rules.BUILTIN_REACH and node.id not in names:
                builtin(node, node.id)
            elif node.id == "__builtins__":
                add(node, rules.ATTRIBUTE_REACH["__builtins__"])
            elif node.id == "open" and (call := called(node)) is not None:
                if rules.write_mode(call, 1):
                    add(node, "a file opened for writing at run time (open)")
            elif node.id in names and isinstance(node.ctx, ast.Load):
                if not isinstance(parents.get(id(node)), ast.Attribute):
                    what = rules.module_reach(names[node.id])
                    if what:
                        add(node, what)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            for alias in node.names:
                if alias.name == "*":
                    add(
                        node,
                        f"imports every name of {module} (a star import fills the namespace unseen)",
                    )
                    continue
                full = f"{module}.{alias.name}" if module else alias.name
                if alias.name in banned:
                    add(node, f"imports {full}")
                what = rules.module_reach(full)
                if what:
                    add(node, f"imports {full}: {what}")
        elif isinstance(node, ast.MatchClass):
            for attr in node.kwd_attrs:
                attribute_name(node, attr, " (through a class pattern)")
        elif isinstance(node, ast.keyword) and node.arg == "allow_pickle":
            if not (isinstance(node.value, ast.Constant) and node.value.value is False):
                add(node.value, "objects rebuilt from bytes (allow_pickle)")
        elif isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
            if id(node) in docstrings:
                continue
            text = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
            hits = sorted(b for b in banned if re.search(rf"\b{re.escape(b)}\b", text))
            if hits:
                add(node, f"names {', '.join(hits)} in a string")
    return findings


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
            findings += scan_source(bytes(data), forbidden, file=name)
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


def refuse_forbidden_source(
    sub: Submission,
    assignment: str,
    refusal: Callable[[str], Message],
    call: str | Message | None = None,
) -> None:
    """Fail the check (kind `forbidden`) when any submitted file could reach a forbidden API.

    The scan reads every .py file of the submission here, in the grader, where
    the student's code cannot switch it off; `refusal(what)` is the
    assignment's message naming the first findings.
    """
    files = {}
    for path in sorted(sub.spec.folder.glob("*.py")):
        try:
            files[path.name] = path.read_bytes()
        except OSError:
            continue
    found = scan_files(files, assignment)
    if found:
        shown = "; ".join(str(f) for f in found[:3]) + (" ..." if len(found) > 3 else "")
        raise CheckFailure([refusal(shown)], diagnosis="forbidden-api", kind="forbidden", call=call)
