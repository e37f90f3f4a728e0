"""Do the students derive the backward passes and update rules, or copy them?

For every backward, optimizer and update-rule task, FORMULAS lists the lines
that give the answer away (the final gradient, the update written as code).
None of them may appear in what a student reads before asking for the last
hint level: the task README (English and Korean), the module they edit
(docstrings and comments) and the released notebooks (English and Korean),
except in a notebook's hint cell of a task's last (formula) level. The maths
stays findable: in the hint ladder (`assignments/ID/hints.toml`).

A formula matches with every space removed, so `dx = dout @ w.T` also
catches `dx=dout@w.T`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# {assignment: {task: [formula lines that must not appear before the last hint level]}}
# Part one: basics, conv, optim, regularization, normalization.
_PART_ONE: dict[str, dict[str, list[str]]] = {}
# Part two: rnn, attention, transformer, classical, cnn.
_PART_TWO: dict[str, dict[str, list[str]]] = {
    "rnn": {
        "rnn_step_backward": [
            "da = dnext_h * (1 - next_h**2)",
            "1 - next_h**2",
            "1.0 - next_h**2",
            "dx = da @ Wx.T",
            "dprev_h = da @ Wh.T",
            "dWx = x.T @ da",
            "dWh = prev_h.T @ da",
            "db = da.sum(axis=0)",
            "db = sum over the batch of da",
            "db = da를 배치에 대해 더한 값",
            "diag(1 - h_t**2) @ Wh.T",
        ],
        "rnn_backward": [
            "total = dh[:, t] + dprev",
            "dh[:, t] + dprev_h",
            "(dx_t, dprev, dWx_t, dWh_t, db_t) = step backward of step t with total",
            "dh0 = dprev",
        ],
        "lstm_step_backward": [
            "dc = dnext_c + dnext_h * o * (1 - tanh(next_c)**2)",
            "dnext_h * o * (1 - tanh_c**2)",
            "do = dnext_h * tanh(next_c)",
            "do = dnext_h * tanh_c",
            "di = dc * g",
            "df = dc * prev_c",
            "dg = dc * i",
            "dprev_c = dc * f",
            "sigmoid' = s * (1 - s)",
            "tanh' = 1 - t**2",
            "di * i * (1 - i)",
        ],
        "lstm_backward": [
            "lstm_step_backward(dh[:, t] + dprev_h, dprev_c",
            "dh[:, t] + dprev_h",
            "dnext_c = dprev_c",
            "which becomes the next (earlier) step's `dnext_c`",
            "`dprev_c`(바로 앞 단계의 `dnext_c`가 됨)",
        ],
    },
    "attention": {
        "scaled_dot_product_attention_backward": [
            "dv = W^T G",
            "dW = G v^T",
            "dw_j/ds_k = w_j (1[j = k] - w_k)",
            "ds_k = sum_j dw_j w_j (1[j = k] - w_k)",
            "w_k (dw_k - sum_j dw_j w_j)",
            "dS = W * (dW - sum(dW * W, axis=-1, keepdims=True))",
            "- sum(dW * W)",
            "dq = dS k / sqrt(d)",
            "dk = dS^T q / sqrt(d)",
            "dv = np.swapaxes(weights, -1, -2) @ dout",
            "dout @ np.swapaxes(v, -1, -2)",
            "weights * (dweights - np.sum(dweights * weights, axis=-1, keepdims=True))",
            "w * (up - np.sum(up * w, axis=-1, keepdims=True))",
            "dq = dscores @ k",
            "dk = np.swapaxes(dscores, -1, -2) @ q",
        ],
        "multi_head_attention_backward": [
            "dW = X^T dY",
            "dX = dY W^T",
            "db = sum of dY over rows",
            "db = dY를 행에 대해 더한 값",
            "dx_kv = dK Wk^T + dV Wv^T",
            "dWo = heads.reshape(N * Lq, D).T @ dout.reshape(N * Lq, D)",
            "dheads = dout @ Wo.T",
            "dK @ Wk.T + dV @ Wv.T",
            "dx_q = (dQ @ Wq.T)",
        ],
    },
    "classical": {
        "soft_threshold": [
            "S(rho, lam) = sign(rho) * max(|rho| - lam, 0)",
            "sign(rho) * max(|rho| - lam, 0)",
            "out = sign(rho) * max(abs(rho) - lam, 0)",
            "np.sign(rho) * max(abs(rho) - lam, 0.0)",
            "np.sign(rho) * np.maximum(np.abs(rho) - lam, 0)",
            "S(3, 1) = 2, S(-3, 1) = -2, S(0.5, 1) = 0",
            "max(., 0)",
        ],
        "lasso_fit": [
            "rho_j = Xc[:, j] . (r + Xc[:, j] * w_j)",
            "rho_j = Xc[:, j] @ (r + Xc[:, j] * w[j])",
            "rho = Xc[:, j] @ r + z[j] * w[j]",
            "w_j  <-  S(rho_j, N * alpha) / z_j",
            "w[j]  = S(rho_j, N * alpha) / z_j",
            "S(rho_j, N * alpha)",
            "soft_threshold(rho, N * alpha) / z[j]",
            "r -= (new - old) * Xc[:, j]",
            "the threshold on\nrho_j is `N * alpha`",
            "the threshold is N * alpha",
            "rho_j에 대한 임계값은 `N * alpha`입니다",
        ],
        "logistic_loss_and_grad": [
            "dw = X^T (p - y) / N + l2 * w",
            "X^T (p - y) / N",
            "db = mean(p - y)",
            "db   = mean_n (p_n - y_n)",
            "dw = X.T @ (p - y) / N + l2 * w",
            "X.T @ (p - y) / N",
            "db = np.mean(p - y)",
        ],
        "logistic_regression_fit": [
            "H = Xa^T diag(p (1 - p)) Xa / N + l2 * diag(1, ..., 1, 0)",
            "Xa^T diag(p (1 - p)) Xa / N",
            "Xa^T diag(p * (1 - p)) Xa / N",
            "(Xa * (p * (1.0 - p))[:, None]).T @ Xa / N",
            "Xa.T @ (Xa * (p * (1 - p))[:, None]) / N",
        ],
    },
}
FORMULAS: dict[str, dict[str, list[str]]] = {**_PART_ONE, **_PART_TWO}

_SPACE = re.compile(r"\s+")


def squeeze(text: str) -> str:
    """Text with every white-space character removed (formulas match spacing-blind)."""
    return _SPACE.sub("", text)


def _notebook_text(path: Path) -> str:
    """The text of a notebook's cells, without the hint cells of a last (formula) level."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    parts = []
    for cell in notebook.get("cells", []):
        hint = cell.get("metadata", {}).get("dlcourse", {}).get("hint")
        if isinstance(hint, dict) and hint.get("last"):
            continue
        source = cell.get("source", "")
        parts.append("".join(source) if isinstance(source, list) else source)
    return "\n".join(parts)


def student_texts(assignment: str) -> dict[str, str]:
    """{file name: text} of what a student of `assignment` reads before the hints."""
    folder = ROOT / "assignments" / assignment
    texts = {}
    for path in sorted(folder.iterdir()):
        if path.suffix in {".md", ".py"}:
            texts[path.name] = path.read_text(encoding="utf-8")
        elif path.suffix == ".ipynb":
            texts[path.name] = _notebook_text(path)
    return texts


CASES = [
    (assignment, task, formula)
    for assignment, tasks in FORMULAS.items()
    for task, formulas in tasks.items()
    for formula in formulas
]


@pytest.mark.parametrize(("assignment", "task", "formula"), CASES)
def test_no_formula_before_the_last_hint(assignment: str, task: str, formula: str) -> None:
    """Is the formula of this task absent from the README, the stub and the notebooks?"""
    needle = squeeze(formula)
    leaks = [name for name, text in student_texts(assignment).items() if needle in squeeze(text)]
    assert not leaks, f"{assignment}/{task}: {formula!r} is given away in {leaks}"
