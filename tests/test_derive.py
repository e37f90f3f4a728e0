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
_PART_ONE: dict[str, dict[str, list[str]]] = {
    "basics": {
        "affine_backward": [
            "dx = dout @ w.T",
            "dx_flat = dout @ w.T",
            "(dout @ w.T).reshape(x.shape)",
            "dw = x.T @ dout",
            "dw = x_flat.T @ dout",
            "db = dout.sum(axis=0)",
            "db = np.sum(dout, axis=0)",
        ],
        "relu_backward": [
            "np.where(x > 0, dout, 0",
            "dx = dout * (x > 0)",
            "1 if x > 0, else 0",
            "The derivative is 1 where x > 0 and 0 where x <= 0",
            "x > 0이면 1, 아니면 0",
        ],
        "sigmoid_backward": [
            "d sigmoid / dx = s * (1 - s)",
            "s * (1 - s)",
            "s * (1.0 - s)",
            "s (1 - s)",
            "out * (1 - out)",
            "sigmoid(x) * (1 - sigmoid(x))",
        ],
        "tanh_backward": [
            "d tanh / dx = 1 - tanh(x)**2",
            "1 - tanh(x)**2",
            "1 - tanh^2",
            "1 - t * t",
            "1.0 - t * t",
            "1 - t**2",
            "1 - out**2",
        ],
        "leaky_relu_backward": [
            "np.where(x > 0, dout, alpha * dout)",
            "1 if x > 0, else `alpha`",
            "The derivative is 1 where x > 0 and alpha where x <= 0",
            "x > 0이면 1, 아니면 `alpha`",
        ],
        "elu_backward": [
            "alpha * np.exp(np.minimum(x, 0",
            "alpha * exp(x) where x <= 0",
            "1 if x > 0, else `alpha e^x`",
            "alpha e^x",
            "dout * (out + alpha)",
        ],
        "softmax_cross_entropy": [
            "dloss_n/dz_c = p_c - [c == y]",
            "p_c - [c == y]",
            "dlogits = (softmax(logits) - onehot(y)) / N",
            "softmax(logits) - onehot(y)",
            "dlogits[np.arange(N), y] -= 1",
            "(probs - onehot) / N",
        ],
        "mse_loss": [
            "dpred = 2 (pred - target) / pred.size",
            "2 * (pred - target) / pred.size",
            "2 (pred - target) / pred.size",
            "2.0 * diff / diff.size",
            "2 * diff / diff.size",
        ],
        "bce_with_logits": [
            "dl/dz = s - t",
            "(s - targets) / logits.size",
            "dlogits = (s - t)",
            "sigmoid(z) - t",
            "sigmoid(logits) - targets",
        ],
    },
    "conv": {
        "conv_backward": [
            "db[f] = sum_{n, i, j} dout[n, f, i, j]",
            "db = dout.sum(axis=(0, 2, 3))",
            "dw[f, c, p, q] = sum_{n, i, j} dout[n, f, i, j] * xp[n, c, i*S + p*D, j*S + q*D]",
            'np.einsum("nfhw,nchw->fc", dout',
            'np.einsum("nfhw,fc->nchw", dout',
            "dx[k] = sum_i dy[i] * w[k - i]",
            "dx[k] = sum_{p'} w_flip[p'] * dy[k - (K - 1) + p']",
            "full_convolution(dout[n, f], w[f, c])",
            "dx1 = w1 dy0 + w0 dy1",
            "+= contract dout with w[:, :, p, q] over F",
            "contract dout (N, F, Ho, Wo) with that window over N, Ho, Wo",
            "dx = dxp[:, :, pad:pad+H, pad:pad+W]",
            "dw: a correlation of the input with dout",
            "full convolution of dout with the flipped kernel",
            "full convolution of `dout` with the flipped kernel",
            "`dw`는 입력과 `dout`의 교차 상관",
            "`dx`는 `dout`과 뒤집은 커널의 full 합성곱",
            "dx: dout과 뒤집은 커널의 full 합성곱",
            "`dx`는 뒤집은 커널과의 full 합성곱",
            "dxp의 같은 창 += dout과 w[:, :, p, q]를 F에 대해 축약",
        ],
        "conv_transpose_backward": [
            "db = np.sum(dout, axis=(0, 2, 3))",
            "dcanvas = np.pad(dout, ((0, 0), (0, 0), (pad, pad), (pad, pad)))",
            'np.einsum("nchw,nfhw->cf", x',
            'np.einsum("cf,nfhw->nchw", w[:, :, p, q]',
            'np.einsum("nfhw,cf->nchw"',
            "conv_forward(dout, w, np.zeros(C), stride=stride, pad=pad)",
            "dx = conv_forward(dout, w",
            "the gradient of a transposed convolution is a plain convolution",
            "전치 합성곱의 기울기는 같은 커널, 스트라이드, 패딩을 쓰는 보통 합성곱",
        ],
        "max_pool_backward": [
            "the argmax of the window receives `dout[n, c, i, j]`",
            "each window's gradient goes to its argmax",
            "Only the element that was the maximum of a window receives that window's gradient",
            "routes each window's gradient to its largest element only",
            "1 at each window's maximum",
            "np.put_along_axis(mask, winner",
            "창의 argmax는 `dout[n, c, i, j]`를 받고",
            "창의 기울기가 argmax로 감",
            "창의 기울기를 가장 큰 원소에만 보내고",
        ],
        "avg_pool_backward": [
            "each element receives `dout[n, c, i, j] / pool**2`",
            "share = dout / (pool * pool)",
            "shared equally by its pool*pool elements",
            "each window's gradient shared equally by its elements",
            "shares it out in quarters",
            "1/4 everywhere",
            "원소마다 `dout[n, c, i, j] / pool**2`를 받고",
            "창의 기울기를 원소들이 똑같이 나눔",
            "4분의 1씩 나눠 줍니다",
        ],
    },
    "optim": {
        "SGD.step": [
            "buf = momentum * buf + (1 - dampening) * g",
            "buf = self.momentum * buf + (1.0 - self.dampening) * g",
            "g = g + momentum * buf",
            "g + momentum * buf_new",
            "else:           g = buf",
            "if first step:  buf = g",
            "if 첫 단계:     buf = g",
            "buf = g.copy()",
            "p -= lr * g",
        ],
        "Adagrad.step": [
            "sum  = sum + g * g",
            "p -= lr * g / (sqrt(sum) + eps)",
            "self.sums[i] = self.sums[i] + g * g",
            "g / (np.sqrt(self.sums[i]) + self.eps)",
        ],
        "Adadelta.step": [
            "square_avg = rho * square_avg + (1 - rho) * g * g",
            "delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g",
            "np.sqrt(self.acc_deltas[i] + eps) / np.sqrt(self.square_avgs[i] + eps)",
            "acc_delta = rho * acc_delta + (1 - rho) * delta * delta",
            "p -= lr * delta",
        ],
        "RMSprop.step": [
            "square_avg = alpha * square_avg + (1 - alpha) * g * g",
            "avg = sqrt(square_avg) + eps",
            "buf = momentum * buf + g / avg",
            "p -= lr * buf",
            "p -= lr * g / avg",
        ],
        "Adam.step": [
            "g = g + wd * p",
            "m = beta1 * m + (1 - beta1) * g",
            "v = beta2 * v + (1 - beta2) * g * g",
            "m_hat = m / (1 - beta1 ** t)",
            "v_hat = v / (1 - beta2 ** t)",
            "p -= lr * m_hat / (sqrt(v_hat) + eps)",
        ],
        "AdamW.step": [
            "p *= 1 - lr * wd",
            "p *= 1.0 - self.lr * self.weight_decay",
            "np.sqrt(self.exp_avg_sqs[i] / bias_correction2) + self.eps",
            "p -= lr * m_hat / (sqrt(v_hat) + eps)",
        ],
    },
    "regularization": {
        "dropout_backward": [
            "dx = dout * mask",
            "dx = dout.copy()",
            "In eval mode, `dx = dout`",
            "평가 모드에서는 `dx = dout`",
            "which is the **same** mask",
            "즉 **같은** 마스크입니다",
        ],
        "l2_penalty": [
            "d penalty / d w = weight_decay * w",
            "grads = [weight_decay * p for p in params]",
            "w <- (1 - lr * weight_decay) w - lr * dL/dw",
            "shrinks every weight by a factor (1 - lr * weight_decay)",
            "the gradients `weight_decay * w`",
            "기울기 `weight_decay * w`",
        ],
        "label_smoothing_cross_entropy": [
            "dloss/dz = p - q",
            "(np.exp(log_probs) - q) / N",
            "dlogits = (softmax(logits) - q) / N",
            "softmax(logits) - q",
        ],
    },
    "normalization": {
        "batchnorm_backward": [
            "dbeta = sum_n dout[n]",
            "dgamma = sum_n dout[n] * xhat[n]",
            "dx = g / s",
            "dx = (g - mean(g) - xhat * mean(g * xhat)) / s",
            "(dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0)) / std",
            "dx = dout * gamma / std",
            "dbeta = dout.sum(axis=0)",
            "dgamma = (dout * xhat).sum(axis=0)",
            "- xhat * mean(g * xhat) / s",
        ],
        "spatial_batchnorm_backward": [
            "dout.transpose(0, 2, 3, 1).reshape(N * H * W, C)",
            "batchnorm_backward(dout_flat, bn_cache)",
            "dx_flat.reshape(N, H, W, C).transpose(0, 3, 1, 2)",
        ],
        "layernorm_backward": [
            "(dxhat - mean_dxhat - xhat * mean_dxhat_xhat) / std",
            "dbeta = dout.sum(axis=lead)",
            "dgamma = (dout * xhat).sum(axis=lead)",
            "the batch-norm formula with the means taken over the last axis",
            "평균을 첫 축이 아니라 마지막 축에 대해 구한 배치 정규화 공식",
        ],
        "groupnorm_backward": [
            "(dxhat - mean_dxhat - xhat_g * mean_dxhat_xhat) / std",
            "dbeta = dout.sum(axis=axes)",
            "dgamma = (dout * xhat).sum(axis=axes)",
            "(dout * gamma.reshape(bshape)).reshape(N, groups, -1)",
            "the backward is again the same formula over the last axis of that view",
            "역전파는 이번에도 그 뷰의 마지막 축에 대한 같은 공식",
        ],
    },
}
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
    """The text of a notebook's cells, without the hint cells of a formula level."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    parts = []
    for cell in notebook.get("cells", []):
        hint = cell.get("metadata", {}).get("dlcourse", {}).get("hint")
        if isinstance(hint, dict) and hint.get("formula"):
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
