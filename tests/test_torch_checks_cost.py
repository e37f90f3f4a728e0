"""Do the PyTorch assignments' checks stay cheap without changing a verdict (issue 13)?

- the static scan of forbidden APIs runs once per submission content: a repeated
  scan of the same files gives the same findings, an edited file is scanned again;
- the transformer and cnn harnesses backpropagate `sum(out * dout)` instead of
  calling `out.backward(dout)`: the gradients are bit for bit the same, and the
  first backward of a fresh process no longer imports sympy (backward's shape
  check does, ~0.3 s in every worker).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from graderkit import ROOT

from autograder.checkkit import scan
from autograder.checks.transformer import common as transformer_checks

CLEAN = b"import torch\n\n\ndef f(x):\n    return torch.softmax(x, dim=-1)\n"
FUSED = b"import torch.nn.functional as F\n\n\ndef f(q, k, v):\n    return F.scaled_dot_product_attention(q, k, v)\n"


def test_a_repeated_scan_gives_the_same_findings_and_an_edit_is_scanned_again():
    """Is the scan's reuse keyed by the files' names and bytes (never by where they came from)?"""
    clean = scan.scan_files({"transformer.py": CLEAN}, "transformer")
    assert clean == []
    first = scan.scan_files({"transformer.py": FUSED}, "transformer")
    assert [f.what for f in first] == ["uses scaled_dot_product_attention"]
    again = scan.scan_files({"transformer.py": FUSED}, "transformer")
    assert again == first and again is not first
    again.clear()  # a caller's list is its own: the stored findings stay
    assert scan.scan_files({"transformer.py": FUSED}, "transformer") == first
    # the same bytes under another name: findings name that file
    renamed = scan.scan_files({"helpers.py": FUSED}, "transformer")
    assert [f.file for f in renamed] == ["helpers.py"]
    # the clean file again (after the banned one): still clean
    assert scan.scan_files({"transformer.py": CLEAN}, "transformer") == []
    # two files: the banned one is found whichever order the mapping has
    both = {"a.py": CLEAN, "b.py": FUSED}
    assert scan.scan_files(both, "transformer") == scan.scan_files(
        dict(reversed(both.items())), "transformer"
    )
    # an assignment without bans scans nothing
    assert scan.scan_files({"conv.py": FUSED}, "conv") == []


def test_the_scan_keeps_a_bounded_number_of_results():
    """Does grading a long batch in one process keep the scan's store bounded?"""
    for i in range(scan._SCANNED_LIMIT + 10):
        scan.scan_files({"transformer.py": CLEAN + f"# {i}\n".encode()}, "transformer")
    assert len(scan._SCANNED) == scan._SCANNED_LIMIT


@pytest.mark.parametrize(
    "cls, init",
    [
        ("MultiHeadSelfAttention", (8, 2)),
        ("FeedForward", (8, 16)),
        ("TransformerBlock", (8, 2, 16)),
    ],
)
def test_the_transformer_harness_gradients_equal_backward_with_dout(cls, init):
    """Are the harness's gradients exactly those of out.backward(dout) on the reference?"""
    import torch

    from autograder.paths import load_reference

    reference = load_reference("transformer", "transformer")
    rng = np.random.default_rng(7)
    state = transformer_checks.random_state(
        rng, transformer_checks.parameter_shapes(cls, 8, 2, 16), scale=2.0
    )
    x = rng.standard_normal((3, 5, 8))
    mask = None if cls == "FeedForward" else transformer_checks.random_mask(rng, (3, 5, 5))
    dout = rng.standard_normal((3, 5, 8))
    outputs, dx, grads, findings = transformer_checks.run_layer(
        reference, cls, list(init), state, x, mask, dout
    )
    assert findings == []

    layer = getattr(reference, cls)(*init).double()
    layer.load_state_dict({k: torch.as_tensor(v) for k, v in state.items()})
    layer.eval()
    xt = torch.tensor(x, requires_grad=True)
    out = layer(xt) if mask is None else layer(xt, torch.as_tensor(mask))
    out.backward(torch.as_tensor(dout))
    params = dict(layer.named_parameters())
    assert np.array_equal(outputs[0], out.detach().numpy())
    assert np.array_equal(dx, xt.grad.numpy())
    for name, grad in zip(sorted(state), grads):
        assert np.array_equal(grad, params[name].grad.numpy()), name


@pytest.mark.slow
def test_a_fresh_worker_runs_the_harnesses_without_importing_sympy():
    """Does the first transformer and cnn check of a fresh process avoid backward's sympy import?"""
    script = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import numpy as np
import torch
from autograder.paths import load_reference
from autograder.checks.transformer import common as T
from autograder.checks.cnn import common as C

rng = np.random.default_rng(0)
ref = load_reference("transformer", "transformer")
state = T.random_state(rng, T.parameter_shapes("TransformerBlock", 8, 2, 16))
x, dout = rng.standard_normal((2, 4, 8)), rng.standard_normal((2, 4, 8))
T.run_layer(ref, "TransformerBlock", [8, 2, 16], state, x, T.causal_mask(4), dout)
cnn = load_reference("cnn", "cnn")
C.run_cnn(cnn, "SmallCNN", num_classes=3, state=C.smallcnn_state(rng, 3),
          x=rng.random((2, 1, 8, 8)), dout=rng.standard_normal((2, 3)))
print("sympy" in sys.modules)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "False", done.stdout + done.stderr


def test_the_smallcnn_harness_gradient_equals_backward_with_dout():
    """Is the SmallCNN harness's input gradient exactly that of logits.backward(dout)?"""
    import torch

    from autograder.checks.cnn import common as cnn_checks
    from autograder.paths import load_reference

    reference = load_reference("cnn", "cnn")
    rng = np.random.default_rng(3)
    state = cnn_checks.smallcnn_state(rng, 4, scale=2.0)
    x = rng.random((3, 1, 8, 8))
    dout = rng.standard_normal((3, 4))
    logits, dx = cnn_checks.run_cnn(
        reference, "SmallCNN", num_classes=4, state=state, x=x, dout=dout
    )

    model = reference.SmallCNN(4).double()
    model.load_state_dict({k: torch.as_tensor(v) for k, v in state.items()})
    model.eval()
    xt = torch.tensor(x, requires_grad=True)
    out = model(xt)
    out.backward(torch.as_tensor(dout))
    assert np.array_equal(logits, out.detach().numpy())
    assert np.array_equal(dx, xt.grad.numpy())


class _InProcess:
    """A stand-in for `sub` that runs harness functions on a trusted module in this process."""

    def __init__(self, module):
        self.module = module

    def run(self, fn, *args, **kwargs):
        return fn(self.module, *args, **kwargs)


class _CountingOracle:
    """A live cnn oracle that counts the reference runs it is asked for."""

    def __init__(self):
        from autograder.checkkit import LiveOracle

        self.live = LiveOracle("cnn")
        self.runs = 0

    def run(self, fn, *args, **kwargs):
        self.runs += 1
        return self.live.run(fn, *args, **kwargs)


def _reference_cnn(edit=None):
    import types

    source = (ROOT / "solutions" / "cnn" / "cnn.py").read_text(encoding="utf-8")
    if edit is not None:
        assert edit[0] in source
        source = source.replace(*edit)
    module = types.ModuleType("cnn_under_test")
    exec(compile(source, "cnn_under_test.py", "exec"), module.__dict__)  # trusted test code
    return module


@pytest.mark.slow
def test_the_training_check_asks_the_reference_only_when_the_accuracy_falls_short():
    """Is a well-trained network passed without training the reference, and a frozen one
    failed with what the reference reaches on the same data?"""
    from autograder.checkkit import CheckFailure
    from autograder.checks.cnn.common import check_training

    oracle = _CountingOracle()
    check_training(_InProcess(_reference_cnn()), oracle, np.random.default_rng(21))
    assert oracle.runs == 0

    frozen = _reference_cnn(
        (
            "torch.optim.AdamW(model.parameters(), lr=lr,",
            "torch.optim.AdamW(model.parameters(), lr=0.0,",
        )
    )
    with pytest.raises(CheckFailure) as failed:
        check_training(_InProcess(frozen), oracle, np.random.default_rng(21))
    assert oracle.runs == 1
    message = str(failed.value)
    assert "expected at least 40%" in message and "the reference reaches" in message
    reached = float(message.rsplit("the reference reaches ", 1)[1].split("%")[0])
    assert reached >= 40.0, message
