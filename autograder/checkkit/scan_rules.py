"""What the static scan (`autograder.checkkit.scan`) looks for, and the walk that finds it.

A forbidden API is reached either by its name (the scan looks for the names)
or by something that turns a string, bytes or a table into an object without
the object's name appearing where it is used. The second kind are the generic
reach primitives; each entry below says in a few words which one it is, and
that wording becomes part of the integrity note:

- namespaces read by key: globals(), locals(), vars(), __dict__, __builtins__,
  a frame's f_globals, gc's referents, __subclasses__(), torch's tables of its
  own functions (torch.overrides), a star import (it fills the namespace with
  names the source never spells);
- lookups by a computed name: getattr, operator.attrgetter / methodcaller,
  __getattribute__, string.Formatter's field lookup, pkgutil.resolve_name,
  pydoc.locate, typing's evaluation of annotations, a class pattern's keyword
  attributes;
- objects or code rebuilt from bytes or text: pickle and its kin, marshal,
  torch.load, eval / exec / compile, timeit, code, pdb, types.CodeType;
- imports by a computed name or of a module written at run time: importlib,
  __import__, runpy, changes to sys.path or a package's __path__, files
  opened for writing, tempfile, shutil;
- below the public API: torch._C, torch.ops, torch.library, any private torch
  name, ctypes;
- another interpreter: subprocess, multiprocessing, os.system and the like.

These apply only to assignments that ban APIs (`FORBIDDEN_APIS`); none of them
is needed to write the assignments' maths, so an honest module never trips one.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping

# Builtins (called or passed by their plain name) that look up or run something by text.
BUILTIN_REACH = {
    "getattr": "an attribute looked up by a computed name (getattr)",
    "__import__": "an import by a computed name (__import__)",
    "vars": "an attribute table read directly (vars())",
    "globals": "the module's namespace read by a computed key (globals())",
    "locals": "a namespace read by a computed key (locals())",
    "eval": "code built at run time (eval)",
    "exec": "code built at run time (exec)",
    "compile": "code built at run time (compile)",
    "breakpoint": "a debugger started from the code (breakpoint)",
}
_NAMESPACE = "a namespace read by key"
# Attribute names that are reach primitives whatever they are read from.
ATTRIBUTE_REACH = {
    "__dict__": "an attribute table read directly (__dict__)",
    "__getattribute__": "an attribute looked up by a computed name (__getattribute__)",
    "__getattr__": "an attribute looked up by a computed name (__getattr__)",
    "__builtins__": "the builtins' own table (__builtins__)",
    "__globals__": "a function's module namespace (__globals__)",
    "__subclasses__": "classes found through __subclasses__() (any class torch defines)",
    "__code__": "a function's code object (__code__)",
    "__closure__": "a function's closure cells (__closure__)",
    "__annotations__": "annotations set at run time, evaluated as code (__annotations__)",
    "__path__": "a package's search path changed (__path__)",
    "__loader__": "the import machinery (__loader__)",
    "__spec__": "the import machinery (__spec__)",
    "f_globals": f"{_NAMESPACE}: a frame's globals (f_globals)",
    "f_locals": f"{_NAMESPACE}: a frame's locals (f_locals)",
    "f_builtins": f"{_NAMESPACE}: a frame's builtins (f_builtins)",
    "tb_frame": "a frame reached from a traceback (tb_frame)",
    "gi_frame": "a frame reached from a generator (gi_frame)",
    "cr_frame": "a frame reached from a coroutine (cr_frame)",
    "_getframe": "the caller's frames inspected (sys._getframe)",
    "currentframe": "the caller's frames inspected (inspect.currentframe)",
    "getouterframes": "the caller's frames inspected (inspect.getouterframes)",
    "getinnerframes": "the caller's frames inspected (inspect.getinnerframes)",
    "attrgetter": "an attribute looked up by a computed name (operator.attrgetter)",
    "methodcaller": "a method called by a computed name (operator.methodcaller)",
    "getmembers": "an attribute table read directly (inspect.getmembers)",
    "getattr_static": "an attribute looked up by a computed name (inspect.getattr_static)",
    "import_module": "an import by a computed name (importlib.import_module)",
    "get_field": "a format-field lookup (string.Formatter.get_field)",
    "vformat": "a format-field lookup (string.Formatter.vformat)",
    "get_type_hints": "annotations evaluated as code (typing.get_type_hints)",
    "ForwardRef": "annotations evaluated as code (typing.ForwardRef)",
    "_eval_type": "annotations evaluated as code (typing._eval_type)",
    "get_annotations": "annotations evaluated as code (inspect.get_annotations)",
    "resolve_name": "an object looked up by a dotted name (pkgutil.resolve_name)",
    "get_referents": "objects found through the garbage collector (gc.get_referents)",
    "get_referrers": "objects found through the garbage collector (gc.get_referrers)",
    "get_objects": "objects found through the garbage collector (gc.get_objects)",
    "CodeType": "code built at run time (types.CodeType)",
    "FunctionType": "a function built from a code object at run time (types.FunctionType)",
    "ModuleType": "a module built at run time (types.ModuleType)",
    "write_text": "a file written at run time (write_text)",
    "write_bytes": "a file written at run time (write_bytes)",
    "tofile": "a file written at run time (tofile)",
    "savetxt": "a file written at run time (numpy.savetxt)",
}
# Dotted paths (after import aliases are resolved) below which something is a reach primitive.
PATH_REACH = {
    "torch._C": "torch's raw dispatch layer",
    "torch.ops": "torch's raw dispatch layer",
    "torch._ops": "torch's raw dispatch layer",
    "torch.library": "torch's dispatcher (torch.library)",
    "torch.overrides": f"{_NAMESPACE}: torch's tables of its own functions (torch.overrides)",
    "torch.nn.attention": "torch's attention kernels (torch.nn.attention)",
    "torch.load": "objects rebuilt from bytes (torch.load unpickles)",
    "torch.serialization": "objects rebuilt from bytes (torch.serialization)",
    "torch.package": "code loaded at run time (torch.package)",
    "torch.hub": "code loaded at run time (torch.hub)",
    "torch.jit.load": "code loaded at run time (torch.jit.load)",
    "torch.jit.CompilationUnit": "code built at run time (torch.jit.CompilationUnit)",
    "torch.utils.cpp_extension": "C++ built at run time (torch.utils.cpp_extension)",
    "torch.save": "a file written at run time (torch.save)",
    "numpy.save": "a file written at run time (numpy.save)",
    "numpy.savez": "a file written at run time (numpy.savez)",
    "sys.modules": f"{_NAMESPACE}: the table of loaded modules (sys.modules)",
    "sys.path": "the import path changed (sys.path): a module written at run time can be imported",
    "sys.path_hooks": "the import system changed (sys.path_hooks)",
    "sys.path_importer_cache": "the import system changed (sys.path_importer_cache)",
    "sys.meta_path": "the import system changed (sys.meta_path)",
    "sys.settrace": "the caller's frames inspected (sys.settrace)",
    "sys.setprofile": "the caller's frames inspected (sys.setprofile)",
    "os.open": "a file written at run time (os.open)",
    "os.write": "a file written at run time (os.write)",
    "os.rename": "a file written at run time (os.rename)",
    "os.replace": "a file written at run time (os.replace)",
    "os.link": "a file written at run time (os.link)",
    "os.symlink": "a file written at run time (os.symlink)",
    "os.system": "another process started (os.system)",
    "os.popen": "another process started (os.popen)",
    "os.fork": "another process started (os.fork)",
    "os.forkpty": "another process started (os.forkpty)",
    "os.posix_spawn": "another process started (os.posix_spawn)",
    "os.posix_spawnp": "another process started (os.posix_spawnp)",
    "codecs.register": "a text codec registered at run time (codecs.register)",
    "string.Formatter": "a format-field lookup (string.Formatter)",
    "concurrent.futures.ProcessPoolExecutor": "another process started (ProcessPoolExecutor)",
}
_PROCESS_PREFIXES = ("os.exec", "os.spawn")
# Modules whose use alone is a reach primitive (the module and everything below it).
MODULE_REACH = {
    **dict.fromkeys(
        ("pickle", "_pickle", "cPickle", "dill", "cloudpickle", "joblib", "shelve", "copyreg"),
        "objects rebuilt from bytes (a pickle can name any function: {module})",
    ),
    "marshal": "code rebuilt from bytes (marshal)",
    **dict.fromkeys(
        ("importlib", "imp", "runpy", "zipimport", "pkgutil", "site"),
        "an import by a computed name or path ({module})",
    ),
    "pydoc": "an object looked up by a dotted name (pydoc)",
    **dict.fromkeys(("ctypes", "_ctypes", "cffi"), "C called directly ({module})"),
    "gc": "objects found through the garbage collector (gc)",
    "builtins": "the builtins' own table (builtins)",
    "__builtin__": "the builtins' own table (__builtin__)",
    "_string": "a format-field lookup (_string)",
    **dict.fromkeys(
        ("code", "codeop", "timeit", "pdb", "bdb", "cProfile", "profile", "trace", "doctest"),
        "code built from text and run ({module})",
    ),
    **dict.fromkeys(
        ("subprocess", "_posixsubprocess", "posix", "multiprocessing", "pty"),
        "another process started ({module})",
    ),
    **dict.fromkeys(("tempfile", "shutil"), "files written at run time ({module})"),
    "logging.config": "an object looked up by a dotted name (logging.config)",
    "unittest.mock": "an object looked up by a dotted name (unittest.mock)",
    "encodings": "a text codec registered at run time (encodings)",
}
# Module names unmistakable anywhere in an attribute chain (`torch.sys.modules`, `F.importlib`):
# no generic words (code, trace, profile, site...), which name attributes of honest objects too.
_CHAIN_ROOTS = set(
    "sys os codecs string torch numpy concurrent builtins importlib pickle _pickle marshal gc "
    "ctypes _ctypes subprocess multiprocessing runpy pkgutil pydoc shelve copyreg tempfile "
    "shutil zipimport timeit dill cloudpickle _string _posixsubprocess posix".split()
)
_WRITE_MODE = re.compile(r"^[rbtU]*[wax+][rwaxbt+U]*$")


def dotted(node: ast.AST) -> str:
    """`a.b.c` for a chain of attributes on a name, else ""."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def aliases(tree: ast.AST) -> dict[str, str]:
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


def resolve(chain: str, names: Mapping[str, str]) -> str:
    head, _, rest = chain.partition(".")
    base = names.get(head, head)
    return f"{base}.{rest}" if rest else base


def _below(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".")


def module_reach(path: str) -> str:
    """What importing or using `path` (a full dotted name) reaches, or ""."""
    for module, what in MODULE_REACH.items():
        if _below(path, module):
            return what.format(module=module)
    return path_reach(path)


def path_reach(path: str) -> str:
    """What the full dotted name `path` reaches, or "" (torch's private names included)."""
    for prefix, what in PATH_REACH.items():
        if _below(path, prefix):
            return f"uses {path} ({what})" if what.startswith("torch's raw") else what
    if path.startswith(_PROCESS_PREFIXES):
        return f"another process started ({path})"
    parts = path.split(".")
    if parts[0] == "torch":
        private = [p for p in parts[1:] if p.startswith("_") and not p.endswith("__")]
        if private:
            return f"torch's private internals ({path})"
    return ""


def chain_reach(parts: list[str], resolved_head: bool) -> str:
    """A reach primitive anywhere along an attribute chain (`torch.sys.modules` included)."""
    for i, part in enumerate(parts):
        if i == 0 and not resolved_head:
            continue
        if i > 0 and part not in _CHAIN_ROOTS:
            continue
        what = module_reach(".".join(parts[i:]))
        if what:
            return what
    return ""


def write_mode(call: ast.Call, position: int | None) -> bool:
    """Does this open-like call ask for a mode that writes, or one the source does not show?

    `position` is where the mode argument of the builtin open is; for methods
    named open (`Path.open`, `zipfile.ZipFile.open`, `Image.open`), whose
    arguments differ, only a constant argument that reads as a writing mode counts.
    """
    modes = [k.value for k in call.keywords if k.arg == "mode"]
    if position is not None:
        modes += call.args[position : position + 1]
    else:
        modes += [a for a in call.args if isinstance(a, ast.Constant)]
    for mode in modes:
        if not (isinstance(mode, ast.Constant) and isinstance(mode.value, str)):
            return True
        if _WRITE_MODE.match(mode.value):
            return True
    return False
