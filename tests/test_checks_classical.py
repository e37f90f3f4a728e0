"""Do the classical checks accept every correct implementation and refuse wrong ones?

The generic tests (test_assignments.py) grade the reference, the stub and the
known mistakes. Here a classical.py written quite differently (normal
equations with a linear solve, lasso divided by N with an objective-based
stop, plain gradient descent for logistic regression, vectorised k-means,
PCA from the covariance's eigenvectors, np.array_split folds, cumulative
class counts for the split) must score full marks under several seeds, and
wrong tie-breaking rules, which are not named mistakes, must lose the points
of the checks built for ties.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path

import pytest
from graderkit import failures, grade_folder

from autograder.feedback import render_result
from autograder.messages import Message

ALTERNATIVE = """

import numpy as np


def linear_regression_fit(X, y, l2=0.0):
    # normal equations with a linear solve (no lstsq), intercept by centring
    xm, ym = X.mean(0), y.mean()
    Xc = X - xm
    A = Xc.T @ Xc + l2 * np.eye(X.shape[1])
    w = np.linalg.solve(A, Xc.T @ (y - ym))
    return w, float(ym - xm @ w)


def r2_score(y, y_pred):
    res = ((y - y_pred) ** 2).sum()
    tot = ((y - np.mean(y)) ** 2).sum()
    if tot == 0:
        return 1.0 if res == 0 else 0.0
    return float((tot - res) / tot)


def soft_threshold(rho, lam):
    if rho > lam:
        return rho - lam
    if rho < -lam:
        return rho + lam
    return 0.0


def lasso_fit(X, y, alpha, max_iter=1000, tol=1e-10):
    # divides by N instead of scaling the threshold; stops on the objective
    N, D = X.shape
    xm, ym = X.mean(0), y.mean()
    Xc, yc = X - xm, y - ym
    z = (Xc**2).sum(0) / N
    w = np.zeros(D)
    previous = np.inf
    for _ in range(max_iter):
        for j in range(D):
            if z[j] == 0:
                continue
            partial = yc - Xc @ w + Xc[:, j] * w[j]
            w[j] = soft_threshold(Xc[:, j] @ partial / N, alpha) / z[j]
        objective = ((yc - Xc @ w) ** 2).sum() / (2 * N) + alpha * np.abs(w).sum()
        if previous - objective < 1e-15:
            break
        previous = objective
    return w, float(ym - xm @ w)


def _sigmoid(z):
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1 / (1 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1 + e)
    return out


def logistic_loss_and_grad(w, b, X, y, l2=0.0):
    y = np.asarray(y, dtype=float)
    z = X @ w + b
    # log(1 + e^z) = max(z, 0) + log1p(e^-|z|)
    softplus = np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))
    loss = (softplus - y * z).mean() + l2 / 2 * np.sum(w**2)
    err = _sigmoid(z) - y
    return float(loss), err @ X / len(y) + l2 * w, float(err.mean())


def logistic_regression_fit(X, y, l2=1e-2, max_iter=1000, tol=1e-8):
    # plain gradient descent with the fixed step 1 / L
    N, D = X.shape
    L = np.linalg.norm(np.hstack([X, np.ones((N, 1))]), 2) ** 2 / (4 * N) + l2
    w, b = np.zeros(D), 0.0
    for _ in range(max_iter):
        _, dw, db = logistic_loss_and_grad(w, b, X, y, l2)
        if np.sqrt(dw @ dw + db * db) < tol:
            break
        w, b = w - dw / L, b - db / L
    return w, float(b)


def kmeans(X, init_centers, max_iter=100):
    C = init_centers.astype(float).copy()

    def assign(C):
        d = (X**2).sum(1)[:, None] - 2 * X @ C.T + (C**2).sum(1)[None, :]
        return d.argmin(1)

    labels = assign(C)
    for _ in range(max_iter):
        counts = np.bincount(labels, minlength=len(C))
        sums = np.zeros_like(C)
        np.add.at(sums, labels, X)
        keep = counts == 0
        C = np.where(keep[:, None], C, sums / np.maximum(counts, 1)[:, None])
        new = assign(C)
        if (new == labels).all():
            break
        labels = new
    return C, labels.astype(np.int64)


def pca(X, n_components):
    # eigen-decomposition of the covariance matrix instead of an SVD
    Xc = X - X.mean(0)
    cov = Xc.T @ Xc / (len(X) - 1)
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1][:n_components]
    comps = vectors[:, order].T
    for row in comps:
        if row[np.argmax(np.abs(row))] < 0:
            row *= -1
    return comps, values[order], Xc @ comps.T


def knn_predict(X_train, y_train, X_test, k):
    out = []
    idx = np.arange(len(X_train))
    for x in X_test:
        d = np.sqrt(((X_train - x) ** 2).sum(1))
        nearest = np.lexsort((idx, d))[:k]
        votes = {}
        for label in y_train[nearest]:
            votes[int(label)] = votes.get(int(label), 0) + 1
        best = max(votes.values())
        out.append(min(l for l, c in votes.items() if c == best))
    return np.array(out, dtype=np.int64)


def kfold_indices(n, k):
    folds = np.array_split(np.arange(n), k)
    return [(np.concatenate(folds[:i] + folds[i + 1 :]), f) for i, f in enumerate(folds)]


def gini_impurity(y):
    if len(y) == 0:
        return 0.0
    counts = np.bincount(y - y.min())
    return float(1 - ((counts / len(y)) ** 2).sum())


def best_split(X, y):
    # sorted order and cumulative class counts per feature
    N, D = X.shape
    classes, yi = np.unique(y, return_inverse=True)
    onehot = np.eye(len(classes))[yi]
    total = onehot.sum(0)
    parent = 1 - ((total / N) ** 2).sum()
    best = (-1, float("nan"), 0.0)
    best_gain = -np.inf
    for j in range(D):
        order = np.argsort(X[:, j], kind="stable")
        xs = X[order, j]
        left = np.cumsum(onehot[order], axis=0)[:-1]
        nl = np.arange(1, N)
        valid = xs[1:] > xs[:-1]
        right = total - left
        gl = 1 - ((left / nl[:, None]) ** 2).sum(1)
        gr = 1 - ((right / (N - nl)[:, None]) ** 2).sum(1)
        gains = parent - (nl * gl + (N - nl) * gr) / N
        for i in np.flatnonzero(valid):
            if gains[i] > best_gain + 1e-12:
                best_gain = gains[i]
                best = (j, float((xs[i] + xs[i + 1]) / 2), float(gains[i]))
    return best
"""


def folder_with(source: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="alt-classical-")) / "student"
    folder.mkdir()
    (folder / "classical.py").write_text(source, encoding="utf-8")
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_another_correct_implementation_scores_full_marks(seed):
    result = grade_folder("classical", folder_with(ALTERNATIVE), seed=seed)
    assert result.score == result.max_score, failures(result)


# (what, old, new, the check that must fail)
WRONG_TIES = [
    (
        "k-NN: equal distances to the higher training index",
        "nearest = np.lexsort((idx, d))[:k]",
        "nearest = np.lexsort((-idx, d))[:k]",
        "knn_predict matches the reference [distance-ties]",
    ),
    (
        "k-means: a tie goes to the higher center",
        "return d.argmin(1)",
        "return len(C) - 1 - d[:, ::-1].argmin(1)",
        "kmeans: a point equally far from two centers joins the lower index",
    ),
    (
        "best split: a tie goes to the later candidate",
        "if gains[i] > best_gain + 1e-12:",
        "if gains[i] >= best_gain - 1e-12:",
        "best_split: equal gains go to the lower feature, then the lower threshold",
    ),
    (
        "lasso: a single sweep",
        "for _ in range(max_iter):\n        for j in range(D):",
        "for _ in range(1):\n        for j in range(D):",
        "lasso_fit matches the reference [small-alpha]",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("what", "old", "new", "check"), WRONG_TIES, ids=[w[0] for w in WRONG_TIES]
)
def test_a_wrong_rule_loses_the_points_of_its_check(what, old, new, check):
    assert ALTERNATIVE.count(old) == 1, old
    result = grade_folder("classical", folder_with(ALTERNATIVE.replace(old, new)))
    by_name = {t.name: t for t in result.tests}
    assert check in by_name, sorted(by_name)
    assert by_name[check].status != "passed", f"{what}: {check} still passes"
    assert result.score < result.max_score


# ALTERNATIVE, its kfold_indices keeping its answer in `pairs` before it returns it.
KEPT = ALTERNATIVE.replace(
    "    return [(np.concatenate(folds[:i] + folds[i + 1 :]), f) for i, f in enumerate(folds)]\n",
    "    pairs = [(np.concatenate(folds[:i] + folds[i + 1 :]), f) for i, f in enumerate(folds)]\n"
    "    return pairs\n",
)
# Wrong answers that no known mistake describes: (old, new) in KEPT, the check
# whose message must explain them, an English phrase of that message, its id in
# the catalogs and a phrase of its Korean.
WRONG_FORMS = {
    "folds-of-floats": (
        "    return pairs\n",
        "    return [(a * 1.0, b * 1.0) for a, b in pairs]\n",
        "kfold_indices matches the reference",
        "expected 1-D integer index arrays",
        "classical.fold_indices",
        "1차원 정수 인덱스 배열이 나와야 하는데",
    ),
    "one-fold-short": (
        "    return pairs\n",
        "    return pairs[1:]\n",
        "kfold_indices matches the reference",
        "(train_idx, val_idx) pairs",
        "classical.fold_count",
        "개로 된 리스트가 나와야 합니다",
    ),
    "validation-reversed": (
        "    return pairs\n",
        "    return [(a, b[::-1]) for a, b in pairs]\n",
        "kfold_indices matches the reference",
        "val_idx (in increasing order)",
        "classical.fold_part",
        "val_idx (오름차순)",
    ),
    "centres-x-in-place": (
        "    Xc = X - xm\n",
        "    X -= xm\n    Xc = X\n",
        "linear_regression_fit defaults to l2 = 0 and leaves X and y unchanged",
        "X or y was modified in place",
        "classical.data_modified",
        "X 또는 y가 제자리에서 바뀌었습니다",
    ),
}


def message_ids(message):
    """The id of `message` and of every message among its values (a compared value's name)."""
    nested = [v for v in message.values.values() if isinstance(v, Message)]
    return {message.id}.union(*(message_ids(v) for v in nested))


@pytest.mark.parametrize("case", sorted(WRONG_FORMS))
def test_a_malformed_answer_is_explained_in_both_languages(case):
    """Does an answer of the wrong form fail with its message, in English and in Korean?"""
    old, new, check, phrase, message_id, korean = WRONG_FORMS[case]
    assert KEPT.count(old) == 1, old
    result = grade_folder("classical", folder_with(KEPT.replace(old, new)))
    explained = [t for t in result.tests if t.status == "failed" and t.name.startswith(check)]
    said = [
        t
        for t in explained
        if any(message_id in message_ids(m) for _, m in t.lines) and phrase in t.output
    ]
    assert said, [(t.name, t.output) for t in explained] or failures(result)
    in_korean = render_result(copy.deepcopy(result), "ko")
    output = next(t.output for t in in_korean.tests if t.nodeid == said[0].nodeid)
    assert korean in output and phrase not in output, output
