"""Public checks of the classical assignment (they ship with the assignment).

Run them with `dlcourse check classical`. The hidden checks test the same tasks
on other sizes, penalties and edge cases (l2 = 0, empty clusters, ties).
"""

import pytest

from autograder.checks.classical.common import (
    best_split_random_case,
    gini_case,
    kfold_case,
    kmeans_blobs_case,
    knn_case,
    lasso_case,
    linreg_case,
    logistic_fit_case,
    logistic_loss_case,
    pca_case,
    r2_case,
    soft_threshold_case,
)


@pytest.mark.task("linear_regression_fit")
@pytest.mark.points(1.5)
@pytest.mark.parametrize("l2", [0.0, 2.0], ids=["least-squares", "ridge"])
def test_linear_regression_fit(sub, oracle, rng, l2):
    """linear_regression_fit matches the reference"""
    linreg_case(sub, oracle, rng, 30, 3, l2)


@pytest.mark.task("r2_score")
@pytest.mark.points(2)
def test_r2_score(sub, oracle, rng):
    """r2_score matches the reference"""
    r2_case(sub, oracle, rng, ["good", "bad"])


@pytest.mark.task("soft_threshold")
@pytest.mark.points(1)
def test_soft_threshold(sub, oracle, rng):
    """soft_threshold matches the reference"""
    soft_threshold_case(sub, oracle, rng, 5)


@pytest.mark.task("lasso_fit")
@pytest.mark.points(3)
def test_lasso_fit(sub, oracle, rng):
    """lasso_fit matches the reference"""
    lasso_case(sub, oracle, rng, 40, 5, 0.1)


@pytest.mark.task("logistic_loss_and_grad")
@pytest.mark.points(3)
def test_logistic_loss_and_grad(sub, oracle, rng):
    """logistic_loss_and_grad matches the reference"""
    logistic_loss_case(sub, oracle, rng, 20, 3, 0.1)


@pytest.mark.task("logistic_regression_fit")
@pytest.mark.points(3)
def test_logistic_regression_fit(sub, oracle, rng):
    """logistic_regression_fit finds the optimum"""
    logistic_fit_case(sub, oracle, rng, 60, 3, 1e-2)


@pytest.mark.task("kmeans")
@pytest.mark.points(3)
def test_kmeans(sub, oracle, rng):
    """kmeans matches the reference on three blobs"""
    kmeans_blobs_case(sub, oracle, rng, 20, 3, 2)


@pytest.mark.task("pca")
@pytest.mark.points(3)
def test_pca(sub, oracle, rng):
    """pca matches the reference"""
    pca_case(sub, oracle, rng, 30, 4, 2)


@pytest.mark.task("knn_predict")
@pytest.mark.points(3)
def test_knn_predict(sub, oracle, rng):
    """knn_predict matches the reference"""
    knn_case(sub, oracle, rng, 30, 15, 2, 3, 3)


@pytest.mark.task("kfold_indices")
@pytest.mark.points(2)
def test_kfold_indices(sub, oracle, rng, grading):
    """kfold_indices matches the reference"""
    kfold_case(sub, oracle, int(rng.integers(10, 14)) + (200 if grading else 0), 3)


@pytest.mark.task("gini_impurity")
@pytest.mark.points(2)
def test_gini_impurity(sub, oracle, rng):
    """gini_impurity matches the reference"""
    gini_case(sub, oracle, rng, [4, 7, 10], 3)


@pytest.mark.task("best_split")
@pytest.mark.points(3)
def test_best_split(sub, oracle, rng):
    """best_split matches the reference"""
    best_split_random_case(sub, oracle, rng, 30, 3, 2)
