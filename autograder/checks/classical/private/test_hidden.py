"""Hidden checks of the classical assignment (never shipped to students).

Inputs are drawn from the submission's seed, which results.json records, so a
grade can be reproduced exactly.
"""

import numpy as np
import pytest

from autograder.checks.classical.common import (
    best_split_case,
    best_split_random_case,
    gini_case,
    kfold_case,
    kmeans_blobs_case,
    kmeans_emptied_case,
    kmeans_far_center_case,
    kmeans_ties_case,
    knn_case,
    lasso_case,
    linreg_case,
    linreg_inputs_case,
    logistic_fit_case,
    logistic_loss_case,
    pca_case,
    r2_case,
    soft_threshold_case,
)

# id: (N, D, l2): l2 = 0 is plain least squares
LINREG_CASES = {
    "least-squares-tall": (50, 5, 0.0),
    "least-squares-nearly-square": (9, 6, 0.0),
    "ridge-large": (25, 4, 30.0),
    "ridge-wide": (6, 9, 0.5),
}


@pytest.mark.task("linear_regression_fit")
@pytest.mark.points(1.5)
@pytest.mark.parametrize("case", sorted(LINREG_CASES))
def test_linear_regression_fit(sub, oracle, rng, case):
    """linear_regression_fit matches the reference"""
    n, d, l2 = LINREG_CASES[case]
    linreg_case(sub, oracle, rng, n, d, l2)


@pytest.mark.task("linear_regression_fit")
@pytest.mark.points(1)
def test_linear_regression_defaults_and_inputs(sub, oracle, rng):
    """linear_regression_fit defaults to l2 = 0 and leaves X and y unchanged"""
    linreg_inputs_case(sub, oracle, rng)


@pytest.mark.task("r2_score")
@pytest.mark.points(1.5)
@pytest.mark.parametrize(
    "kinds",
    [["good", "bad"], ["negative", "good"], ["constant", "const-perfect", "good"]],
    ids=["random", "worse-than-mean", "constant-y"],
)
def test_r2_score(sub, oracle, rng, kinds):
    """r2_score matches the reference"""
    r2_case(sub, oracle, rng, kinds)


@pytest.mark.task("soft_threshold")
@pytest.mark.points(1)
def test_soft_threshold(sub, oracle, rng):
    """soft_threshold matches the reference"""
    soft_threshold_case(sub, oracle, rng, 20)


# id: (N, D, alpha, sparse truth)
LASSO_CASES = {
    "small-alpha": (40, 4, 1e-3, False),
    "sparse-truth": (60, 8, 0.2, True),
    "wide": (12, 15, 0.05, False),
}


@pytest.mark.task("lasso_fit")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", sorted(LASSO_CASES))
def test_lasso_fit(sub, oracle, rng, case):
    """lasso_fit matches the reference"""
    n, d, alpha, sparse = LASSO_CASES[case]
    lasso_case(sub, oracle, rng, n, d, alpha, sparse)


@pytest.mark.task("lasso_fit")
@pytest.mark.points(2)
def test_lasso_fit_large_alpha(sub, oracle, rng):
    """lasso_fit: a moderate alpha keeps some weights, a large one zeroes them all"""
    lasso_case(sub, oracle, rng, 30, 3, 0.3)
    lasso_case(sub, oracle, rng, 30, 3, 50.0)


# id: (N, D, l2, logit scale)
LOSS_CASES = {
    "no-penalty": (25, 4, 0.0, 1.0),
    "penalty": (15, 2, 0.7, 2.0),
    "huge-logits": (12, 3, 0.1, 3e3),
}


@pytest.mark.task("logistic_loss_and_grad")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", sorted(LOSS_CASES))
def test_logistic_loss_and_grad(sub, oracle, rng, case):
    """logistic_loss_and_grad matches the reference"""
    n, d, l2, scale = LOSS_CASES[case]
    logistic_loss_case(sub, oracle, rng, n, d, l2, scale)


# id: (N, D, l2, weight scale)
# l2 >= 1e-2 keeps the problem well conditioned: gradient descent converges in max_iter steps too
FIT_CASES = {"strong-penalty": (40, 4, 1.0, 2.0), "nearly-separable": (50, 2, 1e-2, 4.0)}


@pytest.mark.task("logistic_regression_fit")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", sorted(FIT_CASES))
def test_logistic_regression_fit(sub, oracle, rng, case):
    """logistic_regression_fit finds the optimum"""
    n, d, l2, scale = FIT_CASES[case]
    logistic_fit_case(sub, oracle, rng, n, d, l2, scale)


@pytest.mark.task("kmeans")
@pytest.mark.points(1.5)
@pytest.mark.parametrize(
    ("n_per", "k", "d", "spread", "max_iter"),
    [(15, 5, 3, 0.5, 100), (25, 4, 2, 2.0, 100), (20, 3, 2, 1.0, 1)],
    ids=["five-blobs-3d", "overlapping", "one-update"],
)
def test_kmeans(sub, oracle, rng, n_per, k, d, spread, max_iter):
    """kmeans matches the reference"""
    kmeans_blobs_case(sub, oracle, rng, n_per, k, d, spread, max_iter)


@pytest.mark.task("kmeans")
@pytest.mark.points(2)
def test_kmeans_empty_from_the_start(sub, oracle, rng):
    """kmeans: a center that never gets a point stays where it is"""
    kmeans_far_center_case(sub, oracle, rng)


@pytest.mark.task("kmeans")
@pytest.mark.points(1.5)
def test_kmeans_emptied_during_the_run(sub, oracle, rng):
    """kmeans: a cluster that becomes empty keeps its previous center"""
    kmeans_emptied_case(sub, oracle, rng)


@pytest.mark.task("kmeans")
@pytest.mark.points(1)
def test_kmeans_ties(sub, oracle, rng):
    """kmeans: a point equally far from two centers joins the lower index"""
    kmeans_ties_case(sub, oracle, rng)


# id: (N, D, n_components, offset of the data)
PCA_CASES = {
    "tall": (40, 5, 3, 3.0),
    "all-components": (20, 4, 4, 3.0),
    "wide": (8, 12, 5, 3.0),
    "far-from-origin": (30, 3, 2, 50.0),
}


@pytest.mark.task("pca")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", sorted(PCA_CASES))
def test_pca(sub, oracle, rng, case):
    """pca matches the reference"""
    n, d, m, offset = PCA_CASES[case]
    pca_case(sub, oracle, rng, n, d, m, offset)


# id: (N, M, D, classes, k, integer grid)
KNN_CASES = {
    "k1": (25, 10, 3, 4, 1, False),
    "even-k": (40, 20, 2, 3, 4, False),
    "distance-ties": (30, 20, 2, 3, 3, True),
    "many-classes": (50, 15, 4, 6, 5, False),
}


@pytest.mark.task("knn_predict")
@pytest.mark.points(1.5)
@pytest.mark.parametrize("case", sorted(KNN_CASES))
def test_knn_predict(sub, oracle, rng, case):
    """knn_predict matches the reference"""
    n, m, d, classes, k, grid = KNN_CASES[case]
    knn_case(sub, oracle, rng, n, m, d, classes, k, grid)


@pytest.mark.task("kfold_indices")
@pytest.mark.points(1.5)
@pytest.mark.parametrize(("n", "k"), [(23, 5), (11, 4), (12, 4), (7, 7)], ids=str)
def test_kfold_indices(sub, oracle, n, k):
    """kfold_indices matches the reference"""
    kfold_case(sub, oracle, n, k)


@pytest.mark.task("gini_impurity")
@pytest.mark.points(1.5)
@pytest.mark.parametrize("classes", [2, 5])
def test_gini_impurity(sub, oracle, rng, classes):
    """gini_impurity matches the reference"""
    gini_case(sub, oracle, rng, [1, 6, 9, 20], classes)


@pytest.mark.task("best_split")
@pytest.mark.points(2)
@pytest.mark.parametrize(
    ("n", "d", "classes"), [(50, 4, 3), (40, 8, 2)], ids=["three-classes", "many-features"]
)
def test_best_split(sub, oracle, rng, n, d, classes):
    """best_split matches the reference"""
    best_split_random_case(sub, oracle, rng, n, d, classes)


@pytest.mark.task("best_split")
@pytest.mark.points(1.5)
def test_best_split_ties(sub, oracle, rng):
    """best_split: equal gains go to the lower feature, then the lower threshold"""
    n = 24
    X = np.stack([rng.permutation(n) / 4.0 for _ in range(3)], axis=1)
    X[:, 2] = X[:, 0]  # the same column twice: feature 0 must win over feature 2
    y = (X[:, 0] > rng.uniform(1.5, 4.0)).astype(np.int64)
    best_split_case(sub, oracle, X, y)
    # mirror-symmetric labels: the first and the last threshold tie
    best_split_case(sub, oracle, np.arange(4.0)[:, None] * 2 + 1, np.array([0, 1, 1, 0]))


@pytest.mark.task("best_split")
@pytest.mark.points(1.5)
def test_best_split_repeated_values(sub, oracle, rng):
    """best_split: repeated feature values give one threshold between distinct values"""
    X = rng.integers(0, 6, (30, 2)).astype(float) * 0.5
    y = (X[:, 1] + rng.uniform(-1, 1, 30) > 1.2).astype(np.int64)
    best_split_case(sub, oracle, X, y)
