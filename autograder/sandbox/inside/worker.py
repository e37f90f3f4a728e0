"""The sandboxed worker: imports the student's module and answers requests.

It runs in its own process (under bubblewrap where available) with a private
folder, resource limits and a scrubbed environment, and talks to the grader
over two inherited pipe file descriptors. Student output (print) goes to files
that the grader reads, never to the protocol channel. Objects the wire cannot
carry (a layer's cache, an optimizer) stay here behind integer handles.

Requests are dicts: {"op": "import" | "call" | "get" | "free" | "define", ...}.
Replies are {"ok": True, "value": ...} or {"ok": False, "error": {...}}.

Run as: python -I worker.py REQ_FD RESP_FD SUBMISSION_DIR FORBIDDEN_MODULES
(a cold worker), or forked by the zygote (`zygote.py`), which calls `serve`.

Assignments that ban torch's attention (module names in `ATTENTION_BANNED`)
get a worker without it: before the submission's first line, `_ban_attention`
puts a trap raising `ForbiddenCall` at every dispatch key of every aten
operator that computes attention, replaces the code of torch's own Python
implementations (nn.MultiheadAttention, nn.Transformer*, flex attention...)
by the trap, and forbids new programs (a seccomp filter on execve: a fresh
interpreter would have them). Whatever the route, the call ends there, so no
value a banned kernel computed reaches the grader, whose comparison of the
outputs is the verdict. Nothing undoes it: the dispatcher's registration is
held by a reference no object leads to, the original code objects are gone,
a seccomp filter cannot be lifted; no stack to pop, no thread to leave.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import itertools
import os
import re
import signal
import struct
import sys
import traceback
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # -I leaves it out
import _dlcourse_wire as wire  # noqa: E402

SUBMISSION_DIR = ""
_objects: dict[int, Any] = {}
_ids = itertools.count(1)
_modules: dict[str, Any] = {}
_harness: dict[str, Any] = {}


class ForbiddenImport(ImportError):
    """An import the assignment forbids."""


class MissingName(AttributeError):
    """The submission lacks a function or class the checks call."""


class ForbiddenCall(RuntimeError):
    """A call of a torch API the assignment forbids (raised by the worker's traps)."""


# Modules of assignments that ask for attention written by hand.
ATTENTION_BANNED = frozenset({"transformer", "seq2seq", "vit", "bert"})
# aten operators that compute attention (matched on the name after "aten::").
_ATTENTION_OPS = re.compile(r"attention|transformer_encoder_layer|_fused_sdp")
# torch's own Python code that computes attention: module -> qualified names.
_ATTENTION_PYTHON = """
torch.nn.functional multi_head_attention_forward
torch.nn.modules.activation MultiheadAttention.forward
torch.nn.modules.transformer Transformer.forward TransformerEncoder.forward
torch.nn.modules.transformer TransformerEncoderLayer.forward TransformerDecoder.forward
torch.nn.modules.transformer TransformerDecoderLayer.forward
torch.ao.nn.quantizable.modules.activation MultiheadAttention.forward
torch.ao.nn.quantizable.modules.activation MultiheadAttention._forward_impl
torch._higher_order_ops.flex_attention math_attention _math_attention_inner sdpa_dense
torch._decomp.decompositions scaled_dot_product_flash_attention_for_cpu
"""  # module, then qualified names in it: torch's own Python code that computes attention
# Per machine: seccomp's audit architecture, the seccomp call, execve and execveat.
_EXEC_CALLS = {"x86_64": (0xC000003E, 317, 59, 322), "aarch64": (0xC00000B7, 277, 221, 281)}
_BANNED_WHY = "is not allowed in this assignment: write attention yourself (matrix products, masking, softmax)"
BAN_MARK = "dlcourse-worker-ban"  # where the traps say they were registered
_banned: list[str] = []  # what _ban_attention replaced, for the project's tests


def _trap_code(what: str) -> Any:
    """Code raising ForbiddenCall about `what` (both constants of the code: no globals needed)."""

    def template(*args: Any, **kwargs: Any) -> None:
        error: Any = "ERROR"
        raise error("MESSAGE")

    code, why = template.__code__, f"{what} {_BANNED_WHY}"
    consts = [
        ForbiddenCall if c == "ERROR" else why if c == "MESSAGE" else c for c in code.co_consts
    ]
    return code.replace(co_consts=tuple(consts), co_name=what.rsplit(".", 1)[-1])


def _ban_attention() -> None:
    """Replace torch's attention, in C++ and in Python, by traps (once per process)."""
    if _banned:
        return
    try:
        import torch
    except ImportError:  # the assignment runs without torch: nothing to ban
        _banned.append("")
        return
    import ctypes
    import types
    import warnings

    def trap(*args: Any, **kwargs: Any) -> None:
        raise ForbiddenCall(f"torch's attention kernel {_BANNED_WHY}")

    dispatcher = torch._C
    keys = []  # every dispatch key this torch can name (vmap's and autocast's included)
    for key in dispatcher.DispatchKey.__members__:
        try:
            dispatcher._dispatch_has_kernel_for_dispatch_key("aten::add.Tensor", key)
            keys.append(key)
        except RuntimeError:
            continue
    library = dispatcher._dispatch_library("IMPL", "aten", "", BAN_MARK, 0)
    with warnings.catch_warnings():  # "overriding a previously registered kernel": wanted
        warnings.simplefilter("ignore")
        for op in dispatcher._dispatch_get_all_op_names():
            namespace, _, name = op.partition("::")
            if namespace != "aten" or not _ATTENTION_OPS.search(name):
                continue
            for key in keys:  # a trap wherever the operator has a kernel of its own
                if dispatcher._dispatch_has_kernel_for_dispatch_key(op, key):
                    library.impl(name, key, trap)
                    _banned.append(f"{op}/{key}")
    # The registrations live as long as `library`: one reference more, held by nothing.
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(library))
    for line in _ATTENTION_PYTHON.strip().splitlines():
        module_name, *qualnames = line.split()
        for qualname in qualnames:
            try:
                owner: Any = importlib.import_module(module_name)
                for part in qualname.split("."):
                    owner = vars(owner)[part]
            except (ImportError, KeyError, TypeError):
                continue  # not in this version of torch
            if isinstance(owner, types.FunctionType) and not owner.__code__.co_freevars:
                owner.__code__ = _trap_code(f"{module_name}.{qualname}")
                owner.__defaults__ = owner.__kwdefaults__ = None
                _banned.append(f"{module_name}.{qualname}")
    if _forbid_exec():
        _banned.append("execve")


def _forbid_exec() -> bool:
    """No new program (seccomp on execve; forks keep the traps, new interpreters would not)."""
    import ctypes

    machine = os.uname().machine
    if machine not in _EXEC_CALLS:
        return False
    arch, seccomp, *calls = _EXEC_CALLS[machine]
    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, ...|JGE|K, BPF_RET
    allow, deny = 0x7FFF0000, 0x00050000 | 1  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EPERM
    tests = [(jge, 0x40000000)] if machine == "x86_64" else []  # the x32 ABI: none of it
    tests += [(jeq, nr) for nr in calls]
    program = [(ld, 0, 0, 4), (jeq, 1, 0, arch), (ret, 0, 0, deny), (ld, 0, 0, 0)]
    program += [(op, len(tests) - i, 0, k) for i, (op, k) in enumerate(tests)]
    program += [(ret, 0, 0, allow), (ret, 0, 0, deny)]
    steps = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *s) for s in program))
    fprog = ctypes.create_string_buffer(struct.pack("@HP", len(program), ctypes.addressof(steps)))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS: required, and already so in the sandbox
    # SECCOMP_SET_MODE_FILTER with SECCOMP_FILTER_FLAG_TSYNC: every thread of the worker
    return libc.syscall(seccomp, 1, 1, fprog) == 0


class _Forbidden(importlib.abc.MetaPathFinder):
    """Refuses to import modules the assignment forbids (e.g. torch in numpy work).

    The second line only: the sandbox does not mount forbidden packages at all.
    A probe (`importlib.util.find_spec`, as torch.optim does for jax and
    tensorflow) is told the module does not exist instead of raising, so
    libraries that look for optional packages keep working.
    """

    def __init__(self, names: list[str]) -> None:
        self.names = set(names)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname.split(".")[0] in self.names:
            if _probing():
                return None
            raise ForbiddenImport(
                f"importing {fullname!r} is not allowed in this assignment "
                "(write the maths with numpy yourself)"
            )
        return None


def _probing() -> bool:
    """Is this lookup a probe by importlib.util.find_spec, not an import?"""
    frame = sys._getframe(2)
    for _ in range(4):
        if frame is None:
            return False
        code = frame.f_code
        if code.co_name == "find_spec" and "util" in code.co_filename:
            return True
        if code.co_name in {"_find_and_load_unlocked", "_find_and_load"}:
            return False
        frame = frame.f_back
    return False


def _keep(obj: Any) -> int:
    ident = next(_ids)
    _objects[ident] = obj
    return ident


def _resolve(value: Any) -> Any:
    """Replace handles inside request arguments by the objects they stand for."""
    if isinstance(value, wire.Handle):
        if value.ident not in _objects:
            raise KeyError(f"unknown handle {value.ident} (the worker was restarted?)")
        return _objects[value.ident]
    if isinstance(value, list):
        return [_resolve(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_resolve(v) for v in value)
    if isinstance(value, dict):
        return {k: _resolve(v) for k, v in value.items()}
    return value


def _student_frames(tb: Any) -> list[str]:
    frames = traceback.extract_tb(tb)
    mine = [f for f in frames if f.filename.startswith(SUBMISSION_DIR)]
    lines = []
    for f in mine[-4:]:
        name = os.path.relpath(f.filename, SUBMISSION_DIR)
        lines.append(f"{name}, line {f.lineno}, in {f.name}: {(f.line or '').strip()}")
    return lines


def _error(exc: BaseException) -> dict[str, Any]:
    """The reply for an exception: its type, message, the student's frames and its kind."""
    message = str(exc)
    kind = "exception"
    if isinstance(exc, SyntaxError):
        name = os.path.relpath(exc.filename or "?", SUBMISSION_DIR)
        message = f"{exc.msg} ({name}, line {exc.lineno})"
    if isinstance(exc, OSError) and exc.errno == 27:
        message = "the output limit was reached: the code printed or wrote too much"
        kind = "output_flood"
    if isinstance(exc, BlockingIOError) and "fork" in "".join(
        traceback.format_tb(exc.__traceback__)
    ):
        message = "could not start another process: the sandbox caps the number of processes"
        kind = "process_limit"
    if isinstance(exc, SystemExit):
        message = f"the code called exit({exc.code!r})"
        kind = "exit"
    if isinstance(exc, MemoryError):
        kind = "memory"
    if isinstance(exc, (ForbiddenImport, ForbiddenCall)) or (
        isinstance(exc, ImportError) and "is not allowed in this assignment" in message
    ):
        kind = "forbidden"
    if isinstance(exc, MissingName):
        kind = "missing_function"
    return {
        "type": type(exc).__name__,
        "message": message[:2000],
        "where": _student_frames(exc.__traceback__),
        "kind": kind,
    }


def _import(names: list[str]) -> dict[str, Any]:
    if ATTENTION_BANNED.intersection(names):
        _ban_attention()  # before the first line of the submission runs
    sys.path.insert(0, SUBMISSION_DIR)
    found: dict[str, list[str]] = {}
    for name in names:
        path = os.path.join(SUBMISSION_DIR, f"{name}.py")
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        _modules[name] = module
        found[name] = sorted(k for k in vars(module) if not k.startswith("_"))
    return found


def _target(spec: list[Any]) -> Any:
    kind = spec[0]
    if kind == "attr":  # ["attr", module, dotted.name]
        obj: Any = _modules[spec[1]]
        for part in str(spec[2]).split("."):
            if not hasattr(obj, part):
                raise MissingName(
                    f"{spec[1]}.py has no {spec[2]!r} (is it defined and named as in the assignment?)"
                )
            obj = getattr(obj, part)
        return obj
    if kind == "harness":  # ["harness", name, module]: trusted check code, module first
        fn = _harness[spec[1]]
        return lambda *a, **k: fn(_modules[spec[2]], *a, **k)
    raise ValueError(f"unknown target {kind!r}")


def _split_keep(value: Any, keep: Any) -> Any:
    if keep is None:
        return value
    if not isinstance(value, tuple):
        raise TypeError(f"expected a tuple (..., cache) to be returned, got {type(value).__name__}")
    index = keep if keep >= 0 else len(value) + keep
    if not 0 <= index < len(value):
        raise TypeError(f"expected a tuple with at least {abs(keep)} elements, got {len(value)}")
    parts = list(value)
    parts[index] = wire.Handle(_keep(parts[index]))
    return tuple(parts)


def _handle(request: dict[str, Any]) -> Any:
    op = request["op"]
    if op == "import":
        return _import(request["modules"])
    if op == "define":
        namespace: dict[str, Any] = {"__name__": "dlcourse_harness"}
        exec(compile(request["source"], "<harness>", "exec"), namespace)  # trusted grader code
        _harness[request["name"]] = namespace[request["name"]]
        return None
    if op == "call":
        fn = _target(request["target"])
        args = _resolve(request.get("args", []))
        kwargs = _resolve(request.get("kwargs", {}))
        return _split_keep(fn(*args, **kwargs), request.get("keep"))
    raise ValueError(f"unknown op {op!r}")


def main() -> None:
    forbidden = [n for n in sys.argv[4].split(",") if n] if len(sys.argv) > 4 else []
    serve(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], forbidden)


def serve(req_fd: int, resp_fd: int, submission_dir: str, forbidden: list[str]) -> None:
    """Answer requests until the grader closes the channel (a cold worker, or a zygote's child)."""
    global SUBMISSION_DIR
    SUBMISSION_DIR = os.path.realpath(submission_dir)
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    if forbidden:
        sys.meta_path.insert(0, _Forbidden(forbidden))
    os.chdir(SUBMISSION_DIR)
    reader = os.fdopen(req_fd, "rb", buffering=0)
    writer = os.fdopen(resp_fd, "wb", buffering=0)
    write = writer.write
    main_pid = os.getpid()
    import builtins

    pristine = dict(vars(builtins))  # restored after every request (see below)
    while True:
        try:
            size = int.from_bytes(wire.read_exact(reader.read, 8), "big")
            request = wire.loads(wire.read_exact(reader.read, size))
        except EOFError:
            return
        try:
            try:
                value = _handle(request)
            finally:
                vars(builtins).update(pristine)  # undo patched builtins before replying
            try:
                body = wire.dumps({"ok": True, "value": value})
            except wire.Unencodable as exc:
                why = f"the function returned something that cannot be graded: {exc}"
                error = {"type": "UnsupportedReturn", "message": why, "where": []}
                body = wire.dumps({"ok": False, "error": error})
        except BaseException as exc:  # noqa: BLE001 - every student failure is reported
            if isinstance(exc, KeyboardInterrupt):
                raise
            body = wire.dumps({"ok": False, "error": _error(exc)})
        if os.getpid() != main_pid:  # a process the student forked: it never answers
            os._exit(0)
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:  # noqa: BLE001
            pass
        write(wire.frame(body))


if __name__ == "__main__":
    main()
