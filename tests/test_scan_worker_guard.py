"""Does the worker of an attention assignment hold no attention kernel the student could call?

The worker of transformer and seq2seq replaces torch's attention before the
submission's first line runs (`autograder/sandbox/inside/worker.py`,
`_ban_attention`): at the dispatcher, every aten operator that computes
attention, at every dispatch key that has a kernel; in Python, the code of
torch's own implementations. These tests run that guard in a fresh interpreter
(the worker's own file, as the sandbox runs it) and then ask:

- does every route to a kernel end in ForbiddenCall: the public functions, the
  raw operators, their decompositions, a redispatch below autograd, vmap, nested
  tensors, another thread, inference mode, nn.MultiheadAttention and
  nn.Transformer* in train and eval mode (their fast paths are fused kernels,
  their slow path is Python), flex attention, TorchScript;
- do attempts to undo the guard fail (every torch.library.Library the garbage
  collector can find destroyed, a kernel of one's own registered over the trap,
  torch function modes and DisableTorchFunction);
- is every dispatch table entry of those operators the trap or a step that
  passes the call on to it, and every Python function of torch named like
  attention either replaced or one that computes no attention values;
- does a new program fail to start (a fresh interpreter would hold the kernels
  again), while a fork, which inherits the traps, still works;
- do the operations honest attention is made of still work, and does the guard
  stay cheap (it runs once per worker)?
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autograder.sandbox.runtime import write_runtime

PRELUDE = """
import json, sys, time, warnings
sys.path.insert(0, RUNTIME)
import worker
import torch
import torch.nn.functional as F
from torch import nn

warnings.simplefilter("ignore")
started = time.perf_counter()
worker._ban_attention()
seconds = time.perf_counter() - started
results = {}


def attempt(name, fn):
    try:
        fn()
        results[name] = "ran"
    except worker.ForbiddenCall:
        results[name] = "forbidden"
    except PermissionError:  # a new program refused by the worker's seccomp filter
        results[name] = "forbidden"
    except Exception as exc:  # the trap's error wrapped (TorchScript), or something else
        if "is not allowed in this assignment" in str(exc):
            results[name] = "forbidden"
            return
        results[name] = f"{type(exc).__name__}: {str(exc)[:80]}"
"""

ROUTES = """
q = torch.randn(2, 2, 4, 8, dtype=torch.float64, requires_grad=True)
k, v = q.detach().clone(), q.detach().clone()
aten = torch.ops.aten
keys = torch._C.DispatchKey.__members__


def inference():
    with torch.inference_mode():
        a = torch.randn(2, 2, 4, 8)
        return F.scaled_dot_product_attention(a, a, a)


def threaded():
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(F.scaled_dot_product_attention, q, k, v).result()


def mha(train, grad, need_weights):
    layer = nn.MultiheadAttention(8, 2, batch_first=True).double().train(train)
    x = torch.randn(1, 3, 8, dtype=torch.float64)
    with torch.set_grad_enabled(grad):
        return layer(x, x, x, need_weights=need_weights)


def encoder_layer(train, grad):
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True).train(train)
    with torch.set_grad_enabled(grad):
        return layer(torch.randn(1, 3, 8))


def nested():
    a = torch.nested.nested_tensor([torch.randn(2, 3, 8), torch.randn(2, 5, 8)])
    return F.scaled_dot_product_attention(a, a, a)


def flex():
    from torch.nn.attention.flex_attention import flex_attention

    a = q.detach()
    return flex_attention(a, a, a)


def decomposition():
    table = torch._decomp.decomposition_table
    return table[aten._scaled_dot_product_flash_attention_for_cpu.default](q, k, v)


def scripted():
    source = "def attend(a, b, c):\\n    return torch.nn.functional.scaled_dot_product_attention(a, b, c)\\n"
    return torch.jit.CompilationUnit(source).attend(q, k, v)


def quantizable():
    from torch.ao.nn.quantizable import MultiheadAttention

    x = torch.randn(1, 3, 8)
    return MultiheadAttention(8, 2, batch_first=True)(x, x, x)


def another_interpreter():
    import subprocess

    program = "import torch; print(torch.nn.functional.scaled_dot_product_attention)"
    return subprocess.run([sys.executable, "-c", program], check=True, capture_output=True)


def spawned():
    import os

    return os.waitpid(os.posix_spawn(sys.executable, [sys.executable, "-c", "0"], {}), 0)


attempt("F.scaled_dot_product_attention", lambda: F.scaled_dot_product_attention(q, k, v))
attempt("another interpreter", another_interpreter)
attempt("posix_spawn", spawned)
attempt("without grad", lambda: F.scaled_dot_product_attention(q.detach(), k, v))
attempt("inference mode", inference)
attempt("another thread", threaded)
attempt("torch.ops.aten", lambda: aten.scaled_dot_product_attention(q, k, v))
attempt("torch.ops.aten default", lambda: aten.scaled_dot_product_attention.default(q, k, v))
attempt("torch._C._nn", lambda: torch._C._nn.scaled_dot_product_attention(q, k, v))
attempt("math kernel", lambda: aten._scaled_dot_product_attention_math(q, k, v))
attempt("math kernel, torch.", lambda: torch._scaled_dot_product_attention_math(q, k, v))
attempt("flash for cpu", lambda: aten._scaled_dot_product_flash_attention_for_cpu(q, k, v))
attempt("decompose", lambda: aten.scaled_dot_product_attention.default.decompose(q, k, v))
attempt("decompose math", lambda: aten._scaled_dot_product_attention_math.default.decompose(q, k, v))
for key in ("CompositeImplicitAutograd", "AutogradOther", "AutogradCPU", "CPU", "Undefined"):
    attempt(f"redispatch {key}", lambda: aten._scaled_dot_product_attention_math.default.redispatch(
        torch._C.DispatchKeySet(keys[key]), q, k, v))
attempt("vmap", lambda: torch.vmap(F.scaled_dot_product_attention)(q, k, v))
attempt("nested tensors", nested)
for train in (True, False):
    for grad in (True, False):
        for need_weights in (True, False):
            attempt(f"MultiheadAttention train={train} grad={grad} weights={need_weights}",
                    lambda: mha(train, grad, need_weights))
        attempt(f"TransformerEncoderLayer train={train} grad={grad}", lambda: encoder_layer(train, grad))
attempt("nn.Transformer", lambda: nn.Transformer(8, 2, 1, 1, 16, batch_first=True)(
    torch.randn(1, 3, 8), torch.randn(1, 2, 8)))
attempt("F.multi_head_attention_forward", lambda: F.multi_head_attention_forward(
    *(torch.randn(3, 1, 8),) * 3, 8, 2, torch.randn(24, 8), torch.randn(24), None, None,
    False, 0.0, torch.randn(8, 8), torch.randn(8), need_weights=True))
attempt("quantizable MultiheadAttention", quantizable)
attempt("flex attention", flex)
attempt("decomposition table", decomposition)
attempt("TorchScript", scripted)
"""

UNDOING = """
import gc
from torch.overrides import TorchFunctionMode

q = torch.randn(1, 1, 3, 4, dtype=torch.float64)


def destroy_libraries():
    for obj in gc.get_objects():
        if isinstance(obj, torch.library.Library):
            obj._destroy()
    return F.scaled_dot_product_attention(q, q, q)


def own_kernel_over_the_trap():
    library = torch.library.Library("aten", "IMPL")
    passed = lambda *args, **kwargs: torch.ops.aten._scaled_dot_product_attention_math(*args, **kwargs)[0]
    library.impl("scaled_dot_product_attention", passed, "CompositeImplicitAutograd", allow_override=True)
    library.impl("scaled_dot_product_attention", passed, "CPU", allow_override=True)
    return F.scaled_dot_product_attention(q, q, q)


def without_torch_function():
    with torch._C.DisableTorchFunction():
        return F.scaled_dot_product_attention(q, q, q)


def inside_a_mode():
    class Passing(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            return func(*args, **(kwargs or {}))

    with Passing():
        return F.scaled_dot_product_attention(q, q, q)


attempt("every Library found by gc destroyed", destroy_libraries)
attempt("a kernel of one's own over the trap", own_kernel_over_the_trap)
attempt("DisableTorchFunction", without_torch_function)
attempt("inside a torch function mode", inside_a_mode)
"""

HONEST = """
x = torch.randn(2, 5, 8, dtype=torch.float64, requires_grad=True)
lin, norm = nn.Linear(8, 8).double(), nn.LayerNorm(8).double()
s = (lin(norm(x)) @ x.transpose(-2, -1)) / 8 ** 0.5
s = s.masked_fill(~torch.ones(5, 5, dtype=torch.bool).tril(), float("-inf"))
w = F.dropout(torch.softmax(s, dim=-1), 0.0, training=True)
out = torch.einsum("bij,bjd->bid", w, x) + torch.baddbmm(x, w, x) + F.gelu(x)
out.sum().backward()
gru, cell, emb = nn.GRU(8, 4, batch_first=True).double(), nn.GRUCell(8, 4).double(), nn.Embedding(5, 8)
h, _ = gru(x)
cell(x[:, 0], h[:, 0]).sum().backward()
F.cross_entropy(torch.randn(3, 5), torch.tensor([0, 1, 2])).item()
results["honest"] = [bool(torch.isfinite(out).all()), emb(torch.tensor([1])).shape == (1, 8)]
import os

child = os.fork()
if child == 0:
    os._exit(7)
results["fork"] = os.waitstatus_to_exitcode(os.waitpid(child, 0)[1])
results["exec refused"] = "execve" in worker._banned
"""

COVERAGE = """
import re
import types

marks = worker.BAN_MARK
# Dispatch steps that do not compute the operator: they pass the call on, at last to a trap.
passing = re.compile(
    r"(ADInplaceOrView|Autocast\\w*|BackendSelect|Batched\\w*|Conjugate|FuncTorch\\w*|Functionalize|"
    r"Negative|PreDispatch|Python\\w*|Tracer|VmapMode|ZeroTensor|NestedTensorHPU|Meta): "
)
untrapped = []
for op in torch._C._dispatch_get_all_op_names():
    if op.startswith("aten::") and re.search(r"attention|transformer|_sdp|multi_head", op):
        for line in torch._C._dispatch_dump_table(op).splitlines():
            if marks not in line and not passing.match(line):
                untrapped.append(f"{op}: {line}")
results["untrapped kernels"] = untrapped

# torch's Python functions named like attention that compute no attention values themselves.
harmless = re.compile(
    r"torch\\._meta_registrations\\.|torch\\.backends\\.|torch\\.nn\\.attention\\.(_fa[34]\\.|_registry|"
    r"[a-z_]*(sdpa_kernel|flash_attention_impl|_backends))|torch\\.return_types\\.|torch\\.fx\\.|"
    r"torch\\._subclasses\\.fake_utils\\.is_sdpa_error|torch\\.nested\\._internal\\.|"
    r"torch\\._higher_order_ops\\.flex_attention\\.(FlexAttention\\w*|\\w*(autocast|autograd|proxy|"
    r"functionalize|fake|trace)\\w*|sdpa_dense_backward)$"
)
trap = re.compile(r"is not allowed in this assignment")
left = set()
for name, module in list(sys.modules.items()):
    if not name.startswith("torch") or module is None:
        continue
    for value in list(getattr(module, "__dict__", {}).values()):
        functions = [value] if isinstance(value, types.FunctionType) else []
        if isinstance(value, type) and re.search(r"Attention|Transformer", value.__name__):
            functions = [f for f in vars(value).values() if isinstance(f, types.FunctionType)]
            functions = [f for f in functions if f.__name__ in ("forward", "_forward_impl")]
        for fn in functions:
            where = f"{fn.__module__}.{fn.__qualname__}"
            named = re.search(r"attention|multi_?head|transformer", where.rsplit(".", 1)[-1] + "."
                              + fn.__qualname__, re.I)
            trapped = any(isinstance(c, str) and trap.search(c) for c in fn.__code__.co_consts)
            if named and not trapped and not harmless.match(where):
                left.add(where)
results["untrapped python"] = sorted(left)
"""


def run_guarded(tmp_path: Path, body: str) -> dict:
    runtime = write_runtime(tmp_path / "runtime")
    script = f"RUNTIME = {str(runtime)!r}\n" + PRELUDE + textwrap.dedent(body)
    script += "\nresults['seconds'] = seconds\nprint(json.dumps(results))\n"
    done = subprocess.run(
        [sys.executable, "-I", "-c", script], capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def routes(tmp_path_factory) -> dict:
    return run_guarded(tmp_path_factory.mktemp("guard"), ROUTES)


def test_every_route_to_an_attention_kernel_ends_in_the_trap(routes):
    """Does every way to reach torch's attention raise ForbiddenCall once the guard is in?"""
    ran = {name: outcome for name, outcome in routes.items() if name != "seconds"}
    assert len(ran) > 30
    escaped = {name: outcome for name, outcome in ran.items() if outcome != "forbidden"}
    assert not escaped, escaped


def test_the_guard_cannot_be_undone_from_inside(tmp_path):
    """Do destroying libraries, an own kernel over the trap or function modes bring attention back?"""
    results = run_guarded(tmp_path, UNDOING)
    results.pop("seconds")
    assert set(results) == {
        "every Library found by gc destroyed",
        "a kernel of one's own over the trap",
        "DisableTorchFunction",
        "inside a torch function mode",
    }
    assert all(outcome == "forbidden" for outcome in results.values()), results


def test_honest_attention_and_the_rest_of_torch_still_work(tmp_path):
    """Do matmul, masking, softmax, dropout, einsum, GRU, a fork and the like run under the guard?"""
    results = run_guarded(tmp_path, HONEST)
    assert results["honest"] == [True, True]
    assert results["fork"] == 7 and results["exec refused"]
    assert results["seconds"] < 0.5, f"the guard took {results['seconds']:.3f} s"


def test_every_kernel_and_python_implementation_of_attention_is_covered(tmp_path):
    """Is each attention operator's every dispatch entry the trap (or a step to it), and each
    Python implementation of attention in torch replaced?"""
    results = run_guarded(tmp_path, COVERAGE)
    assert results["untrapped kernels"] == []
    assert results["untrapped python"] == []
