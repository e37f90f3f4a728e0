"""Does the classical reference agree with scikit-learn (float64)?

scikit-learn is the oracle the way torch is for the other assignments:
LinearRegression / Ridge, metrics.r2_score, Lasso, LogisticRegression,
KMeans (lloyd, given init), PCA, KNeighborsClassifier, KFold and the root
split of DecisionTreeClassifier. Where the contract departs from
scikit-learn on purpose (an empty k-means cluster keeps its center; ties in
distance and in gain go to the lower index), the expected answer is worked
out by hand.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, Ridge  # noqa: E402
from sklearn.metrics import r2_score  # noqa: E402
from sklearn.model_selection import KFold  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

from autograder.paths import load_reference  # noqa: E402

ref = load_reference("classical")


def seed_of(*parts) -> int:
    """A seed that is the same in every run (str hashes are salted per process)."""
    return zlib.crc32(repr(parts).encode())


def regression_data(case, n, d, noise=0.1):
    rng = np.random.default_rng(seed_of("regression", case))
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 3.0, d) + rng.standard_normal(d)
    w = rng.standard_normal(d)
    y = X @ w + 1.5 + noise * rng.standard_normal(n)
    return X, y


def classification_data(case, n, d, scale=1.0):
    rng = np.random.default_rng(seed_of("classification", case))
    X = rng.standard_normal((n, d))
    w = rng.standard_normal(d) * scale
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(X @ w + 0.3)))).astype(np.int64)
    return X, y


# id: (N, D, l2)
LINEAR_CASES = {
    "ols-tall": (40, 3, 0.0),
    "ols-square-ish": (8, 6, 0.0),
    "ridge-small": (30, 4, 0.1),
    "ridge-large": (25, 5, 50.0),
    "ridge-wide": (6, 10, 1.0),
    "single-feature": (20, 1, 2.0),
}


@pytest.mark.parametrize("case", sorted(LINEAR_CASES))
def test_linear_regression_matches_sklearn(case):
    n, d, l2 = LINEAR_CASES[case]
    X, y = regression_data(case, n, d)
    w, b = ref.linear_regression_fit(X, y, l2=l2)
    model = LinearRegression() if l2 == 0 else Ridge(alpha=l2, solver="svd")
    model.fit(X, y)
    assert w.shape == (d,) and w.dtype == np.float64 and isinstance(b, float)
    np.testing.assert_allclose(w, model.coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(b, model.intercept_, rtol=1e-8, atol=1e-10)


def test_linear_regression_collinear_columns_is_the_minimum_norm_solution():
    """l2 = 0 with a duplicated column: lstsq's minimum-norm answer, as sklearn's."""
    X, y = regression_data("collinear", 30, 3)
    X = np.hstack([X, X[:, :1]])
    w, b = ref.linear_regression_fit(X, y)
    model = LinearRegression().fit(X, y)
    np.testing.assert_allclose(w, model.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(w[0], w[3], rtol=1e-8)
    np.testing.assert_allclose(b, model.intercept_, rtol=1e-8)


def test_linear_regression_leaves_inputs_alone():
    X, y = regression_data("inputs", 10, 2)
    X0, y0 = X.copy(), y.copy()
    ref.linear_regression_fit(X, y, l2=1.0)
    assert np.array_equal(X, X0) and np.array_equal(y, y0)


@pytest.mark.parametrize(
    "case", ["good", "bad", "negative", "perfect", "constant-y", "const-perfect"]
)
def test_r2_matches_sklearn(case):
    rng = np.random.default_rng(seed_of("r2", case))
    y = rng.standard_normal(15)
    y_pred = {
        "good": y + 0.1 * rng.standard_normal(15),
        "bad": rng.standard_normal(15),
        "negative": -y,
        "perfect": y.copy(),
        "constant-y": rng.standard_normal(15),
        "const-perfect": np.full(15, 2.0),
    }[case]
    if case.startswith("const"):
        y = np.full(15, 2.0)
    got = ref.r2_score(y, y_pred)
    assert isinstance(got, float)
    np.testing.assert_allclose(got, r2_score(y, y_pred), rtol=1e-12, atol=1e-14)


def test_soft_threshold():
    assert ref.soft_threshold(3.0, 1.0) == 2.0
    assert ref.soft_threshold(-3.0, 1.0) == -2.0
    assert ref.soft_threshold(0.5, 1.0) == 0.0
    assert ref.soft_threshold(-1.0, 1.0) == 0.0


# id: (N, D, alpha)
LASSO_CASES = {
    "tiny-alpha": (40, 4, 1e-4),
    "medium": (50, 6, 0.1),
    "sparse": (60, 8, 0.3),
    "all-zero": (30, 3, 100.0),
    "wide": (10, 15, 0.05),
}


@pytest.mark.parametrize("case", sorted(LASSO_CASES))
def test_lasso_matches_sklearn(case):
    n, d, alpha = LASSO_CASES[case]
    X, y = regression_data(case, n, d, noise=0.5)
    w, b = ref.lasso_fit(X, y, alpha, max_iter=20000)
    model = Lasso(alpha=alpha, tol=1e-14, max_iter=200000).fit(X, y)
    np.testing.assert_allclose(w, model.coef_, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(b, model.intercept_, rtol=1e-6, atol=1e-7)
    if case == "all-zero":
        assert np.all(w == 0) and b == pytest.approx(y.mean())


def test_lasso_with_zero_alpha_is_least_squares():
    X, y = regression_data("lasso-ols", 30, 3)
    w, b = ref.lasso_fit(X, y, 0.0)
    w_ls, b_ls = ref.linear_regression_fit(X, y)
    np.testing.assert_allclose(w, w_ls, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(b, b_ls, rtol=1e-7, atol=1e-9)


def test_lasso_ignores_a_constant_column():
    X, y = regression_data("lasso-const", 30, 3)
    X[:, 1] = 4.0
    w, _ = ref.lasso_fit(X, y, 0.05)
    model = Lasso(alpha=0.05, tol=1e-14, max_iter=100000).fit(X, y)
    assert w[1] == 0.0
    np.testing.assert_allclose(w, model.coef_, rtol=1e-6, atol=1e-7)


def logistic_loss_numpy(w, b, X, y, l2):
    """The same loss written the naive way (fine for moderate logits)."""
    p = 1 / (1 + np.exp(-(X @ w + b)))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)) + 0.5 * l2 * w @ w


@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_logistic_loss_and_grad_match_sklearn_loss_and_finite_differences(l2):
    from sklearn.metrics import log_loss

    X, y = classification_data(f"loss-{l2}", 20, 3)
    rng = np.random.default_rng(seed_of("loss-w", l2))
    w, b = rng.standard_normal(3), 0.4
    loss, dw, db = ref.logistic_loss_and_grad(w, b, X, y, l2)
    p = 1 / (1 + np.exp(-(X @ w + b)))
    np.testing.assert_allclose(loss, log_loss(y, p) + 0.5 * l2 * w @ w, rtol=1e-10)
    np.testing.assert_allclose(loss, logistic_loss_numpy(w, b, X, y, l2), rtol=1e-10)
    h = 1e-6
    for j in range(3):
        e = np.zeros(3)
        e[j] = h
        num = (
            logistic_loss_numpy(w + e, b, X, y, l2) - logistic_loss_numpy(w - e, b, X, y, l2)
        ) / (2 * h)
        np.testing.assert_allclose(dw[j], num, rtol=1e-6, atol=1e-9)
    num_b = (logistic_loss_numpy(w, b + h, X, y, l2) - logistic_loss_numpy(w, b - h, X, y, l2)) / (
        2 * h
    )
    np.testing.assert_allclose(db, num_b, rtol=1e-6, atol=1e-9)


def test_logistic_loss_is_stable_for_huge_logits():
    X = np.array([[1.0], [-1.0], [1.0], [-1.0]])
    y = np.array([1, 0, 0, 1])
    loss, dw, db = ref.logistic_loss_and_grad(np.array([1e4]), 0.0, X, y)
    # two examples right with certainty (loss 0), two wrong by a logit of 1e4
    np.testing.assert_allclose(loss, 1e4 / 2, rtol=1e-12)
    np.testing.assert_allclose(dw, [(1 * 1 + (-1) * (-1)) / 4], rtol=1e-12)
    np.testing.assert_allclose(db, 0.0, atol=1e-12)


# id: (N, D, l2, weight scale)
LOGISTIC_CASES = {
    "default": (60, 3, 1e-2, 1.0),
    "strong-l2": (40, 4, 1.0, 2.0),
    "separable-ish": (50, 2, 1e-3, 8.0),
    "many-features": (80, 8, 0.05, 1.0),
}


@pytest.mark.parametrize("case", sorted(LOGISTIC_CASES))
def test_logistic_regression_matches_sklearn(case):
    n, d, l2, scale = LOGISTIC_CASES[case]
    X, y = classification_data(case, n, d, scale)
    w, b = ref.logistic_regression_fit(X, y, l2=l2)
    model = LogisticRegression(C=1 / (l2 * n), solver="newton-cholesky", tol=1e-14, max_iter=1000)
    model.fit(X, y)
    np.testing.assert_allclose(w, model.coef_[0], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(b, model.intercept_[0], rtol=1e-6, atol=1e-7)
    _, dw, db = ref.logistic_loss_and_grad(w, b, X, y, l2)
    assert np.max(np.abs(dw)) < 1e-9 and abs(db) < 1e-9


def blobs(case, n_per, k, d=2, spread=0.5):
    rng = np.random.default_rng(seed_of("blobs", case))
    means = rng.uniform(-6, 6, (k, d))
    X = np.concatenate([m + spread * rng.standard_normal((n_per, d)) for m in means])
    return X, rng


# id: (points per blob, K, D, max_iter)
KMEANS_CASES = {
    "three-blobs": (30, 3, 2, 100),
    "five-blobs-3d": (20, 5, 3, 100),
    "overlapping": (40, 4, 2, 100),
    "one-step": (25, 3, 2, 1),
    "two-steps": (25, 4, 2, 2),
}


@pytest.mark.parametrize("case", sorted(KMEANS_CASES))
def test_kmeans_matches_sklearn(case):
    n_per, k, d, max_iter = KMEANS_CASES[case]
    X, rng = blobs(case, n_per, k, d, spread=2.0 if case == "overlapping" else 0.5)
    init = X[rng.choice(len(X), k, replace=False)]
    centers, labels = ref.kmeans(X, init, max_iter=max_iter)
    model = KMeans(k, init=init, n_init=1, algorithm="lloyd", max_iter=max_iter, tol=0.0)
    model.fit(X)
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, model.labels_)
    np.testing.assert_allclose(centers, model.cluster_centers_, rtol=1e-10, atol=1e-12)


def test_kmeans_empty_cluster_keeps_its_center():
    """The far-away center never wins a point: it must stay where it was."""
    X, rng = blobs("empty", 20, 2)
    init = np.vstack([X[0], X[25], [100.0, 100.0]])
    centers, labels = ref.kmeans(X, init)
    np.testing.assert_array_equal(centers[2], [100.0, 100.0])
    assert not np.any(labels == 2)
    # the other two clusters are exactly what sklearn finds with two centers
    model = KMeans(2, init=init[:2], n_init=1, algorithm="lloyd", tol=0.0).fit(X)
    np.testing.assert_array_equal(labels, model.labels_)
    np.testing.assert_allclose(centers[:2], model.cluster_centers_, rtol=1e-10)


def test_kmeans_cluster_emptied_during_the_run_keeps_its_last_center():
    X = np.array([[7.0], [2.0], [7.0], [3.0], [6.0]])
    init = np.array([[4.0], [9.0], [1.0]])
    # step 0: labels [1, 2, 1, 0, 0] -> centers [4.5, 7, 2]
    # step 1: labels [1, 2, 1, 2, 1]: cluster 0 is empty and stays at 4.5 -> [4.5, 20/3, 2.5]
    # step 2: labels unchanged -> stop
    centers, labels = ref.kmeans(X, init)
    np.testing.assert_allclose(centers, [[4.5], [20 / 3], [2.5]], rtol=1e-12)
    np.testing.assert_array_equal(labels, [1, 2, 1, 2, 1])


def test_kmeans_ties_go_to_the_lower_center():
    X = np.array([[0.0, 0.0], [2.0, 0.0], [1.0, 0.0], [1.0, 5.0]])
    init = np.array([[0.0, 0.0], [2.0, 0.0], [1.0, 5.0]])
    # [1, 0] is exactly 1 from centers 0 and 1: it joins center 0, which then moves to 0.5
    centers, labels = ref.kmeans(X, init, max_iter=1)
    np.testing.assert_array_equal(labels, [0, 1, 0, 2])
    np.testing.assert_allclose(centers, [[0.5, 0.0], [2.0, 0.0], [1.0, 5.0]])


def test_kmeans_leaves_init_centers_alone():
    X, rng = blobs("inputs", 10, 2)
    init = X[:2].copy()
    init0 = init.copy()
    ref.kmeans(X, init)
    assert np.array_equal(init, init0)


# id: (N, D, n_components)
PCA_CASES = {"tall": (50, 5, 3), "all": (30, 4, 4), "one": (20, 6, 1), "wide": (8, 12, 5)}


def fix_signs(components):
    biggest = np.argmax(np.abs(components), axis=1)
    return components * np.sign(components[np.arange(len(components)), biggest])[:, None]


@pytest.mark.parametrize("case", sorted(PCA_CASES))
def test_pca_matches_sklearn(case):
    n, d, m = PCA_CASES[case]
    rng = np.random.default_rng(seed_of("pca", case))
    X = rng.standard_normal((n, d)) @ rng.standard_normal((d, d)) + rng.standard_normal(d) * 3
    components, variance, X_proj = ref.pca(X, m)
    model = PCA(m, svd_solver="full").fit(X)
    want = fix_signs(model.components_)
    np.testing.assert_allclose(components, want, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(variance, model.explained_variance_, rtol=1e-10)
    signs = np.sign(np.sum(want * model.components_, axis=1))
    np.testing.assert_allclose(X_proj, model.transform(X) * signs, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(np.linalg.norm(components, axis=1), 1.0, rtol=1e-12)


def knn_data(case, n, m, d, classes):
    rng = np.random.default_rng(seed_of("knn", case))
    X_train = rng.standard_normal((n, d))
    y_train = rng.integers(0, classes, n).astype(np.int64)
    X_test = rng.standard_normal((m, d))
    return X_train, y_train, X_test


@pytest.mark.parametrize("k", [1, 2, 3, 4, 7])
def test_knn_matches_sklearn(k):
    X_train, y_train, X_test = knn_data(k, 40, 25, 3, 3)
    got = ref.knn_predict(X_train, y_train, X_test, k)
    model = KNeighborsClassifier(k, algorithm="brute").fit(X_train, y_train)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, model.predict(X_test))


def test_knn_ties():
    X_train = np.array([[1.0], [-1.0], [2.0], [-2.0]])
    y_train = np.array([5, 3, 3, 5])
    X_test = np.array([[0.0]])
    # k = 1: points 0 and 1 are both at distance 1; the lower index (label 5) wins
    assert ref.knn_predict(X_train, y_train, X_test, 1).tolist() == [5]
    # k = 2: one vote each for 5 and 3: the smaller label wins
    assert ref.knn_predict(X_train, y_train, X_test, 2).tolist() == [3]
    # k = 3: points 0, 1 and then 2 (distance 2, lower index than 3): votes 5, 3, 3
    assert ref.knn_predict(X_train, y_train, X_test, 3).tolist() == [3]


@pytest.mark.parametrize(("n", "k"), [(10, 2), (10, 3), (11, 4), (7, 7), (23, 5), (5, 2)])
def test_kfold_matches_sklearn(n, k):
    got = ref.kfold_indices(n, k)
    want = list(KFold(n_splits=k).split(np.zeros(n)))
    assert len(got) == len(want) == k
    for (train, val), (train_want, val_want) in zip(got, want):
        assert train.dtype == np.int64 and val.dtype == np.int64
        np.testing.assert_array_equal(train, train_want)
        np.testing.assert_array_equal(val, val_want)


@pytest.mark.parametrize(
    ("y", "want"),
    [
        ([0, 0, 0], 0.0),
        ([0, 1], 0.5),
        ([0, 1, 2], 2 / 3),
        ([3, 3, 7, 7, 7, 9], 1 - (4 + 9 + 1) / 36),
        ([], 0.0),
    ],
)
def test_gini_impurity(y, want):
    np.testing.assert_allclose(ref.gini_impurity(np.array(y, dtype=np.int64)), want, rtol=1e-12)


@pytest.mark.parametrize("case", ["two-class", "three-class", "many-features", "small"])
def test_best_split_matches_sklearn_root(case):
    rng = np.random.default_rng(seed_of("split", case))
    n, d, classes = {
        "two-class": (40, 3, 2),
        "three-class": (60, 4, 3),
        "many-features": (50, 8, 2),
        "small": (6, 2, 2),
    }[case]
    # values on a 1/8 grid, distinct per feature: exact in float32, where sklearn works
    X = np.stack([rng.permutation(n) / 8.0 for _ in range(d)], axis=1)
    y = rng.integers(0, classes, n).astype(np.int64)
    y[:classes] = np.arange(classes)  # every class present
    feature, threshold, gain = ref.best_split(X, y)
    tree = DecisionTreeClassifier(max_depth=1, criterion="gini", random_state=0).fit(X, y).tree_
    left, right = tree.children_left[0], tree.children_right[0]
    n_left, n_right = tree.n_node_samples[left], tree.n_node_samples[right]
    want_gain = (
        tree.impurity[0] - (n_left * tree.impurity[left] + n_right * tree.impurity[right]) / n
    )
    assert feature == tree.feature[0]
    np.testing.assert_allclose(threshold, tree.threshold[0], rtol=1e-12)
    np.testing.assert_allclose(gain, want_gain, rtol=1e-9, atol=1e-12)


def test_best_split_ties_go_to_the_lower_feature_then_threshold():
    # features 0 and 2 are the same column: feature 0 wins
    X = np.array([[1.0, 5.0, 1.0], [2.0, 1.0, 2.0], [3.0, 4.0, 3.0], [4.0, 2.0, 4.0]])
    y = np.array([0, 0, 1, 1])
    assert ref.best_split(X, y) == (0, 2.5, 0.5)
    # mirror-symmetric labels: thresholds 1.5 and 3.5 give the same gain; 1.5 wins
    X = np.array([[1.0], [2.0], [3.0], [4.0]])
    y = np.array([0, 1, 1, 0])
    feature, threshold, gain = ref.best_split(X, y)
    assert (feature, threshold) == (0, 1.5)
    np.testing.assert_allclose(gain, 0.5 - 0.75 * (1 - (1 / 9 + 4 / 9)), rtol=1e-12)


def test_best_split_repeated_values_and_no_split():
    X = np.array([[1.0], [1.0], [2.0], [2.0], [3.0]])
    y = np.array([0, 0, 1, 1, 1])
    assert ref.best_split(X, y)[:2] == (0, 1.5)
    feature, threshold, gain = ref.best_split(np.ones((3, 2)), np.array([0, 1, 0]))
    assert feature == -1 and np.isnan(threshold) and gain == 0.0
