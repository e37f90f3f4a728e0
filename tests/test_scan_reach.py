"""Does the static scan see every generic way to reach an object, and read files as Python does?

The scan of an assignment that bans APIs (`autograder.checkkit.scan`) flags a
forbidden name, but a name can be computed: so it also flags each reach
primitive (namespaces read by key, lookups by a computed name, objects or code
rebuilt from bytes or text, imports of what was written at run time, torch's
raw and private layers, another interpreter). One line each below: does the
scan flag it exactly when it is such a primitive, and leave the honest lines
of an attention module alone? And does it read a file's bytes the way Python
does (a PEP 263 declaration honoured, any declaration but UTF-8 refused)?
"""

from __future__ import annotations

import pytest
from graderkit import ROOT

from autograder.checkkit.scan import FORBIDDEN_APIS, scan_files, scan_source

BANNED = FORBIDDEN_APIS["transformer"]
HEADER = "import torch\nimport torch.nn.functional as F\nfrom torch import nn\nimport numpy as np\n"

# line -> a fragment of the finding it must produce
REACH = {
    # namespaces read by key
    "from torch.nn.functional import *": "star import",
    'f = globals()["scaled_" + name]': "globals()",
    "f = globals().get(name)": "globals()",
    "table = locals()": "locals()",
    "f = vars(F)[name]": "vars()",
    "f = F.__dict__[name]": "__dict__",
    "f = __builtins__['getattr'](F, name)": "__builtins__",
    "import builtins": "builtins",
    "import sys\nf = sys._getframe().f_globals[name]": "f_globals",
    "import sys\nm = sys.modules[name]": "sys.modules",
    "import sys\nm = sys.modules.get(name)": "sys.modules",
    "import sys\nm = sys.modules['__main__']": "sys.modules",
    "import sys\ndel sys.modules['torch.nn.functional']": "sys.modules",
    "import sys\nsys.modules['numpy'] = fake": "sys.modules",
    "import sys\nfor m in sys.modules.values():\n    pass": "sys.modules",
    "table = globals().copy()": "globals()",
    "n = len(globals())": "globals()",
    "import gc\nd = gc.get_referents(F)": "gc",
    "classes = nn.Module.__subclasses__()": "__subclasses__",
    "table = torch.overrides.get_overridable_functions()": "torch.overrides",
    "g = F.forward.__globals__": "__globals__",
    # lookups by a computed name
    "f = getattr(F, name)": "getattr",
    "g = getattr": "getattr",
    "import operator\nf = operator.attrgetter(name)(torch)": "attrgetter",
    "import operator\nf = operator.methodcaller('__getattribute__', name)(F)": "methodcaller",
    "f = F.__getattribute__(name)": "__getattribute__",
    "f = object.__getattribute__(F, name)": "__getattribute__",
    "import string\nf = string.Formatter().get_field(spec, [torch], {})": "Formatter",
    "from string import Formatter": "string.Formatter",
    "import pkgutil\nf = pkgutil.resolve_name(name)": "pkgutil",
    "import pydoc\nf = pydoc.locate(name)": "pydoc",
    "import typing\nh = typing.get_type_hints(fn)": "get_type_hints",
    "match F:\n    case object(scaled_dot_product_attention=f):\n        pass": "class pattern",
    "match F:\n    case object(__dict__=d):\n        pass": "__dict__",
    "f = getattr(torch, '_C')": "torch._C",
    "f = getattr(F, '__dict__')": "__dict__",
    # objects or code rebuilt from bytes or text
    "import pickle\nf = pickle.loads(data)": "pickle",
    "from pickle import loads": "pickle",
    "import marshal": "marshal",
    "import copyreg": "pickle",
    "state = torch.load(path)": "torch.load",
    "state = np.load(path, allow_pickle=True)": "allow_pickle",
    "exec(source)": "exec",
    "f = eval(source)": "eval",
    "code = compile(source, 'x', 'exec')": "compile",
    "import timeit\ntimeit.timeit(statement)": "timeit",
    "import code\ncode.InteractiveInterpreter().runsource(source)": "code",
    "import types\nf = types.FunctionType(c, {})": "FunctionType",
    "c = fn.__code__": "__code__",
    "breakpoint()": "breakpoint",
    "unit = torch.jit.CompilationUnit(source)": "CompilationUnit",
    "import codecs\ncodecs.register(search)": "codecs.register",
    # imports by a computed name or of a module written at run time
    "import importlib\nm = importlib.import_module(name)": "importlib",
    "m = __import__(name)": "__import__",
    "import runpy": "runpy",
    "import sys\nsys.path.insert(0, folder)": "sys.path",
    "import sys as s\ns.path.append(folder)": "sys.path",
    "import sys\nsys.meta_path.insert(0, finder)": "sys.meta_path",
    "torch.__path__.append(folder)": "__path__",
    "handle = open(path, 'w')": "open",
    "handle = open(path, mode)": "open",
    "handle = open(path, mode='a+')": "open",
    "from pathlib import Path\nPath(path).write_text(source)": "write_text",
    "from pathlib import Path\nPath(path).open('w')": "open",
    "import tempfile": "tempfile",
    "import shutil": "shutil",
    "import os\nos.write(fd, data)": "os.write",
    "torch.save(state, path)": "torch.save",
    # torch's raw and private layers, C
    "from torch import _C": "torch._C",
    "out = torch.ops.aten.mm(a, b)": "torch.ops",
    "torch.library.Library('aten', 'IMPL')": "torch.library",
    "f = torch._utils._import_dotted_name(name)": "private",
    "from torch.nn.functional import _canonical_mask": "private",
    "import torch._dynamo": "private",
    "from torch.nn.attention.flex_attention import create_block_mask": "torch.nn.attention",
    "import ctypes": "ctypes",
    "m = torch.sys.modules[name]": "sys.modules",
    # another interpreter
    "import subprocess": "subprocess",
    "import _posixsubprocess": "_posixsubprocess",
    "import posix\nposix.system(command)": "posix",
    "m = torch.os.system(command)": "os.system",
    "import multiprocessing": "multiprocessing",
    "import os\nos.system(command)": "os.system",
    "import os\nos.execv(path, args)": "os.execv",
    "from concurrent.futures import ProcessPoolExecutor": "another process",
}

# Lines of honest attention modules that name nothing of the above.
HONEST = [
    "w = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d), dim=-1)",
    "s = scores.masked_fill(~mask, float('-inf'))",
    "t = torch.trace(x) + torch.stack([a, b]).sum()",
    "model.eval()",
    "model = torch.compile(model)",
    "import re\npattern = re.compile('x')",
    "from PIL import Image\nimg = Image.open(path)",
    "text = open(path).read()",
    "text = open(path, 'rb').read()",
    "value = globals()['CONSTANT']",
    "from typing import Optional\nx: Optional[int] = None",
    "import string\nletters = string.ascii_letters",
    "import os\np = os.path.join(a, b)",
    "import sys\neps = sys.float_info.epsilon",
    "from concurrent.futures import ThreadPoolExecutor",
    "w = getattr(self, 'weight')",
    "p = getattr(self, 'dropout', None)",
    "import functools\nf = functools.partial(F.gelu, approximate='none')",
    "data = np.load(path)",
    "self.code = 3\nself.trace = self.code",
    "x = F.gelu(x)  # no F.scaled_dot_product_attention here",
    "ids = x.new_zeros(3).long()",
    "import sys\nnumpy_module = sys.modules.get('numpy')",
    "import sys\ntorch_module = sys.modules['torch']",
    "for name, value in list(globals().items()):\n    globals()[name] = wrap(value)",
    "for name in globals():\n    pass",
]


@pytest.mark.parametrize("line", sorted(REACH))
def test_the_scan_flags_this_reach_primitive(line):
    """Does the scan flag this line, with a finding that names the primitive?"""
    found = scan_source(HEADER + line + "\n", BANNED)
    assert found, line
    assert any(REACH[line] in f.what for f in found), [f.what for f in found]


@pytest.mark.parametrize("line", HONEST)
def test_the_scan_leaves_this_honest_line_alone(line):
    """Is this line of an honest module left without a finding?"""
    assert scan_source(HEADER + "import math\n" + line + "\n", BANNED) == []


def test_every_reference_and_stub_of_an_attention_assignment_scans_clean():
    """Do the references and the stubs of transformer, seq2seq, vit and bert scan clean?"""
    for assignment in ("transformer", "seq2seq", "vit", "bert"):
        for folder in (ROOT / "solutions" / assignment, ROOT / "assignments" / assignment):
            files = {p.name: p.read_bytes() for p in sorted(folder.glob("*.py"))}
            assert files, folder
            assert scan_files(files, "transformer") == [], folder


# A file's bytes -> whether the scan must refuse its encoding
ENCODINGS = {
    b"# -*- coding: utf-8 -*-\nx = 1\n": False,
    b"\xef\xbb\xbfx = '\xec\x96\xb4\xed\x85\x90\xec\x85\x98'\n": False,
    b"#!/usr/bin/env python\n# coding: ascii\nx = 1\n": False,
    b"# -*- coding: latin-1 -*-\nx = '\xe9'\n": True,
    b"# -*- coding: utf-7 -*-\nx = 1\n": True,
    b"#!/usr/bin/env python\r# coding: utf-7\rx = 1\r": True,
    b"x = '\xe9'\n": True,
    b'"""Positional encoding: sinusoidal."""\nx = 1\n': False,
}


@pytest.mark.parametrize("data", sorted(ENCODINGS), ids=range(len(ENCODINGS)))
def test_a_source_encoding_other_than_utf8_is_refused(data):
    """Is a file declared in anything but UTF-8 (or not UTF-8 at all) a finding, and UTF-8 not?"""
    found = scan_source(data, BANNED, file="m.py")
    refused = any("encoding" in f.what or "UTF-8" in f.what for f in found)
    assert refused == ENCODINGS[data], [str(f) for f in found]


def test_the_scan_reads_what_python_runs_in_a_declared_encoding():
    """Does a name hidden in UTF-7 (`sc+AGE-led_...` reads `scaled_...` to Python) show up?"""
    data = b"# -*- coding: utf-7 -*-\nimport torch.nn.functional as F\nf = F.sc+AGE-led_dot_product_attention\n"
    whats = [f.what for f in scan_source(data, BANNED, file="m.py")]
    assert "uses scaled_dot_product_attention" in whats, whats


def test_a_file_python_cannot_parse_is_a_finding_not_a_crash():
    """Do null bytes, a bad declaration or a syntax error give a finding instead of an exception?"""
    for data in (b"x = 1\x00\n", b"# coding: no-such-codec\nx = 1\n", b"def f(:\n"):
        found = scan_source(data, BANNED, file="m.py")
        assert found, data
