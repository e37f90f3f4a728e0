"""Check bodies shared by the public and hidden classical checks (ships to students).

Each function checks one case; the test modules choose the cases and points.
The data generators (`data.py`) draw everything from the check's `rng`, so the
public checks are deterministic and the hidden ones follow the grading seed.
"""

from functools import partial

import numpy as np

from autograder.checkkit import CheckFailure, compare, compare_all, mistake_line, msg
from autograder.checks.classical.data import (
    blobs,
    classification_data,
    regression_data,
    split_data,
)

# ---------------------------------------------------------------------------
# Generic comparisons
# ---------------------------------------------------------------------------


def check_outputs(sub, oracle, name, args, names, *, task=None, rtol=1e-6, atol=1e-9, kwargs=None):
    """Call `name(*args, **kwargs)` in the worker and compare its tuple of outputs."""
    kwargs = dict(kwargs or {})
    mistakes = oracle.candidates(task or name, name, *args, **kwargs)
    want = oracle.call(name, *args, **kwargs)
    got = sub.call(name, *args, **kwargs)
    try:
        compare_all(got, want, names, call=sub.last_call, rtol=rtol, atol=atol, mistakes=mistakes)
    except CheckFailure as failure:
        if failure.diagnosis:
            raise
        named = nonfinite_mistake(got, mistakes, rtol, atol)
        if named is None:
            raise
        mistake, message = named
        # the kind stays "wrong" (not the comparison's "nan"), as it always was
        lines = [*failure.lines, ("  ", mistake_line(mistake, message))]
        raise CheckFailure(lines, diagnosis=mistake) from None
    return got


def nonfinite_mistake(got, mistakes, rtol, atol):
    """(name, message) of a mistake whose output has NaN or inf exactly where `got` has.

    `compare` never matches non-finite values; a mistake such as the mean of an
    empty cluster (NaN) is recognised here instead.
    """
    if not isinstance(got, (tuple, list)):
        return None
    for name, (message, value) in (mistakes or {}).items():
        if not isinstance(value, (tuple, list)) or len(value) != len(got):
            continue
        try:
            parts = [
                (np.asarray(g, dtype=float), np.asarray(v, dtype=float)) for g, v in zip(got, value)
            ]
        except (TypeError, ValueError):
            continue
        if not any(not np.all(np.isfinite(v)) for _, v in parts):
            continue
        if all(
            g.shape == v.shape and np.allclose(g, v, rtol=rtol, atol=atol, equal_nan=True)
            for g, v in parts
        ):
            return name, message
    return None


def check_scalar_batch(sub, oracle, harness, task, *args, what, rtol=1e-6, atol=1e-9):
    """Run a harness that returns one number per case; compare them as one array."""
    mistakes = oracle.candidates(task, harness, *args)
    want = oracle.run(harness, *args)
    got = sub.run(harness, *args)
    compare(got, want, what=what, call=sub.last_call, rtol=rtol, atol=atol, mistakes=mistakes)


def _run_transformed(oracle, transform, fn, args, mistake):
    return transform(oracle.run(fn, *args, mistake=mistake))


def transformed_candidates(oracle, task, transform, fn, *args):
    """Known-mistake outputs of `fn(*args)` passed through `transform` (lazy)."""
    return oracle.lazy(
        {
            name: (message, partial(_run_transformed, oracle, transform, fn, args, name))
            for name, message in oracle.mistakes(task)
        }
    )


# ---------------------------------------------------------------------------
# Harnesses (run next to the student's code: they only call it)
# ---------------------------------------------------------------------------


def r2_many(module, cases):
    return [module.r2_score(y, y_pred) for y, y_pred in cases]


def soft_threshold_many(module, cases):
    return [module.soft_threshold(rho, lam) for rho, lam in cases]


def gini_many(module, label_sets):
    return [module.gini_impurity(y) for y in label_sets]


def linreg_defaults_and_inputs(module, X, y):
    w, b = module.linear_regression_fit(X, y)
    return w, b, X, y


# ---------------------------------------------------------------------------
# Regression
# ---------------------------------------------------------------------------


def linreg_case(sub, oracle, rng, n, d, l2):
    X, y = regression_data(rng, n, d)
    check_outputs(sub, oracle, "linear_regression_fit", (X, y), ("w", "b"), kwargs={"l2": l2})


def linreg_inputs_case(sub, oracle, rng):
    X, y = regression_data(rng, 15, 3)
    want = oracle.call("linear_regression_fit", X, y)
    got = sub.run(linreg_defaults_and_inputs, X, y)
    call = msg("classical.default_l2_call", "linear_regression_fit(X, y) with the default l2")
    if not isinstance(got, (tuple, list)) or len(got) != 4:
        problem = msg("classical.expected_tuple", "expected a tuple ({names})", names="w, b")
        raise CheckFailure([problem], call=call)
    compare_all(got[:2], want, ("w", "b"), call=call)
    if not (np.array_equal(got[2], X) and np.array_equal(got[3], y)):
        problem = msg("classical.data_modified", "X or y was modified in place; work on copies")
        raise CheckFailure([problem], call=call)


def r2_case(sub, oracle, rng, kinds):
    """R^2 for several (y, y_pred) pairs: kinds from good, bad, negative, constant, const-perfect."""
    cases = []
    for kind in kinds:
        y = rng.standard_normal(12) * rng.uniform(0.5, 3) + rng.uniform(-2, 2)
        if kind == "good":
            y_pred = y + 0.3 * rng.standard_normal(12)
        elif kind == "bad":
            y_pred = y.mean() + rng.standard_normal(12)
        elif kind == "negative":
            y_pred = -y
        elif kind == "constant":
            y = np.full(12, 1.5)
            y_pred = y + rng.standard_normal(12)
        else:  # const-perfect
            y = np.full(12, -0.5)
            y_pred = y.copy()
        cases.append((y, y_pred))
    what = msg("classical.r2_values", "R^2 values")
    check_scalar_batch(sub, oracle, r2_many, "r2_score", cases, what=what)


def soft_threshold_case(sub, oracle, rng, size):
    lam = float(rng.uniform(0.5, 2.0))
    rhos = [3 * lam, -3 * lam, 0.5 * lam, -0.5 * lam, 0.0] + list(rng.uniform(-4, 4, size))
    cases = [(float(r), lam) for r in rhos]
    check_scalar_batch(
        sub, oracle, soft_threshold_many, "soft_threshold", cases, what="S(rho, lam)"
    )


def lasso_case(sub, oracle, rng, n, d, alpha, sparse=False):
    X, y = regression_data(rng, n, d, noise=0.5)
    if sparse:
        y = 2.0 * X[:, 0] - 1.0 * X[:, 1] + 0.5 * rng.standard_normal(n)
    check_outputs(
        sub, oracle, "lasso_fit", (X, y, alpha), ("w", "b"), rtol=1e-5, atol=1e-6
    )  # fmt: skip


# ---------------------------------------------------------------------------
# Logistic regression
# ---------------------------------------------------------------------------


def logistic_loss_case(sub, oracle, rng, n, d, l2, logit_scale=1.0):
    X, y = classification_data(rng, n, d)
    w = rng.standard_normal(d) * logit_scale
    b = float(rng.uniform(-1, 1) * logit_scale)
    args = (w, b, X, y)
    kwargs = {"l2": l2}
    mistakes = oracle.candidates(
        "logistic_loss_and_grad", "logistic_loss_and_grad", *args, **kwargs
    )
    want = oracle.call("logistic_loss_and_grad", *args, **kwargs)
    got = sub.call("logistic_loss_and_grad", *args, **kwargs)
    call = sub.last_call
    if (
        isinstance(got, (tuple, list))
        and len(got) == 3
        and isinstance(got[0], (int, float))
        and not np.isfinite(got[0])
        and np.isfinite(want[0])
    ):
        for name, message in oracle.mistakes("logistic_loss_and_grad"):
            if name == "logistic_loss_overflows":
                problem = msg(
                    "classical.loss_not_finite",
                    "loss: expected {want}, got {got} (logits up to {top})",
                    want=f"{want[0]:.6g}",
                    got=str(got[0]),
                    top=f"{float(np.max(np.abs(X @ w + b))):.3g}",
                )
                raise CheckFailure([problem], call=call).naming(name, message)
    compare_all(got, want, ("loss", "dw", "db"), call=call, mistakes=mistakes)


def logistic_fit_case(sub, oracle, rng, n, d, l2, scale=1.0):
    X, y = classification_data(rng, n, d, scale)
    check_outputs(
        sub, oracle, "logistic_regression_fit", (X, y), ("w", "b"), kwargs={"l2": l2},
        rtol=1e-4, atol=1e-5,
    )  # fmt: skip


# ---------------------------------------------------------------------------
# k-means, PCA, k-NN
# ---------------------------------------------------------------------------


def kmeans_case(sub, oracle, X, init, max_iter=100):
    check_outputs(
        sub, oracle, "kmeans", (X, init), ("centers", "labels"), kwargs={"max_iter": max_iter}
    )


def kmeans_blobs_case(sub, oracle, rng, n_per, k, d, spread=0.5, max_iter=100):
    X = blobs(rng, n_per, k, d, spread)
    init = X[rng.choice(len(X), k, replace=False)]
    kmeans_case(sub, oracle, X, init, max_iter)


def kmeans_far_center_case(sub, oracle, rng):
    """A third center far from every point never gets one: it must stay put."""
    X = blobs(rng, 15, 2)
    far = X.max(axis=0) + rng.uniform(20, 40, 2)
    init = np.vstack([X[0], X[20], far])
    kmeans_case(sub, oracle, X, init)


def kmeans_emptied_case(sub, oracle, rng):
    """A cluster that loses its last point in the second assignment keeps its center."""
    scale, shift = rng.uniform(0.5, 3.0), rng.uniform(-5, 5)
    X = np.array([[7.0], [2.0], [7.0], [3.0], [6.0]]) * scale + shift
    init = np.array([[4.0], [9.0], [1.0]]) * scale + shift
    kmeans_case(sub, oracle, X, init)


def kmeans_ties_case(sub, oracle, rng):
    """A point exactly halfway between two centers joins the lower index."""
    shift = rng.integers(-5, 6, 2).astype(float)
    X = np.array([[0.0, 0.0], [2.0, 0.0], [1.0, 0.0], [1.0, 5.0], [3.0, 5.0]]) + shift
    init = np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 5.0]]) + shift
    kmeans_case(sub, oracle, X, init, max_iter=1)


def pca_case(sub, oracle, rng, n, d, m, offset=3.0):
    X = rng.standard_normal((n, d)) @ rng.standard_normal((d, d)) + offset * rng.standard_normal(d)
    check_outputs(
        sub, oracle, "pca", (X, m), ("components", "explained_variance", "X_proj"), rtol=1e-6,
        atol=1e-8,
    )  # fmt: skip


def knn_case(sub, oracle, rng, n, m, d, classes, k, grid=False):
    if grid:  # small integers: many exact ties in distance, computed exactly by any formula
        X_train = rng.integers(-3, 4, (n, d)).astype(float)
        X_test = rng.integers(-3, 4, (m, d)).astype(float)
    else:
        X_train = rng.standard_normal((n, d))
        X_test = rng.standard_normal((m, d))
    y_train = rng.integers(0, classes, n).astype(np.int64)
    args = (X_train, y_train, X_test, k)
    mistakes = oracle.candidates("knn_predict", "knn_predict", *args)
    want = oracle.call("knn_predict", *args)
    got = sub.call("knn_predict", *args)
    compare(got, want, what="y_pred", call=sub.last_call, rtol=0, atol=0, mistakes=mistakes)


# ---------------------------------------------------------------------------
# k-fold
# ---------------------------------------------------------------------------


def fold_table(folds, n):
    """(k, n) table: 1 where an index is in fold i's validation set, 2 in its train set."""
    table = np.zeros((len(folds), n), dtype=np.int64)
    for i, (train, val) in enumerate(folds):
        np.add.at(table[i], np.asarray(val, dtype=np.int64), 1)
        np.add.at(table[i], np.asarray(train, dtype=np.int64), 2)
    return table


def kfold_case(sub, oracle, n, k):
    mistakes = transformed_candidates(
        oracle, "kfold_indices", partial(fold_table, n=n), "kfold_indices", n, k
    )
    want = oracle.call("kfold_indices", n, k)
    got = sub.call("kfold_indices", n, k)
    call = sub.last_call
    if not isinstance(got, (list, tuple)) or len(got) != k:
        problem = msg(
            "classical.fold_count",
            "expected a list of {count} (train_idx, val_idx) pairs",
            count=k,
        )
        raise CheckFailure([problem], call=call)
    for i, pair in enumerate(got):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            problem = msg(
                "classical.fold_pair",
                "split {index}: expected a pair (train_idx, val_idx)",
                index=i,
            )
            raise CheckFailure([problem], call=call)
        for part in pair:
            arr = np.asarray(part)
            if arr.ndim != 1 or arr.dtype.kind not in "iu" or np.any((arr < 0) | (arr >= n)):
                problem = msg(
                    "classical.fold_indices",
                    "split {index}: expected 1-D integer index arrays with values in [0, {n}), "
                    "got {dtype} of shape {shape}",
                    index=i,
                    n=n,
                    dtype=str(arr.dtype),
                    shape=str(arr.shape),
                )
                raise CheckFailure([problem], call=call)
    table = msg("classical.fold_table", "fold table (1 = validation, 2 = train)")
    compare(
        fold_table(got, n), fold_table(want, n), what=table, call=call, rtol=0, atol=0,
        mistakes=mistakes,
    )  # fmt: skip
    for i, (pair, pair_want) in enumerate(zip(got, want)):
        for part, part_want, label in zip(pair, pair_want, ("train_idx", "val_idx")):
            what = msg(
                "classical.fold_part",
                "split {index} {part} (in increasing order)",
                index=i,
                part=label,
            )
            compare(part, part_want, what=what, call=call)


# ---------------------------------------------------------------------------
# Decision trees
# ---------------------------------------------------------------------------


def gini_case(sub, oracle, rng, sizes, classes):
    label_sets = [rng.integers(0, classes, size).astype(np.int64) for size in sizes]
    label_sets.append(np.full(5, 3, dtype=np.int64))  # pure
    what = msg("classical.gini_values", "Gini impurities")
    check_scalar_batch(sub, oracle, gini_many, "gini_impurity", label_sets, what=what)


def best_split_case(sub, oracle, X, y):
    check_outputs(sub, oracle, "best_split", (X, y), ("feature", "threshold", "gain"))


def best_split_random_case(sub, oracle, rng, n, d, classes):
    X, y = split_data(rng, n, d, classes)
    best_split_case(sub, oracle, X, y)
