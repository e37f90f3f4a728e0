"""Known mistakes of the classical assignment (private: never shipped to students)."""

from autograder.checkkit import Mistake

MISTAKES = [
    Mistake(
        name="intercept_penalised",
        task="linear_regression_fit",
        message=(
            "the intercept is penalised: ridge shrinks only w. Appending a column of ones "
            "and penalising it pulls b towards 0; centre X and y instead, solve for w, and "
            "recover b = mean(y) - mean(X) @ w."
        ),
        replace=(
            (
                "    Xc = X - x_mean  # (N, D)\n"
                "    yc = y - y_mean  # (N,)\n"
                "    A = np.vstack([Xc, np.sqrt(l2) * np.eye(D)])  # (N + D, D)\n"
                "    t = np.concatenate([yc, np.zeros(D)])  # (N + D,)\n"
                "    w = np.linalg.lstsq(A, t, rcond=None)[0]\n"
                "    b = y_mean - x_mean @ w\n",
                "    Xa = np.hstack([X, np.ones((N, 1))])\n"
                "    A = np.vstack([Xa, np.sqrt(l2) * np.eye(D + 1)])\n"
                "    t = np.concatenate([y, np.zeros(D + 1)])\n"
                "    wb = np.linalg.lstsq(A, t, rcond=None)[0]\n"
                "    w, b = wb[:D], wb[D]\n",
            ),
        ),
    ),
    Mistake(
        name="intercept_missing",
        task="linear_regression_fit",
        message=(
            "the model has no intercept (b = 0 and the data are not centred): fit w on "
            "centred X and y, then b = mean(y) - mean(X) @ w."
        ),
        replace=(
            ("    Xc = X - x_mean  # (N, D)\n", "    Xc = X  # (N, D)\n"),
            ("    yc = y - y_mean  # (N,)\n", "    yc = y  # (N,)\n"),
            ("    b = y_mean - x_mean @ w\n    ### END", "    b = 0.0\n    ### END"),
        ),
    ),
    Mistake(
        name="r2_inverted",
        task="r2_score",
        message=(
            "the ratio is upside down: R^2 = 1 - SS_res / SS_tot (unexplained over total "
            "variation), not 1 - SS_tot / SS_res."
        ),
        replace=(("r2 = 1.0 - ss_res / ss_tot", "r2 = 1.0 - ss_tot / ss_res"),),
    ),
    Mistake(
        name="r2_total_not_centred",
        task="r2_score",
        message=(
            "SS_tot must measure the spread around the mean of y: sum (y - mean(y))^2, not sum y^2."
        ),
        replace=(("ss_tot = np.sum((y - y.mean()) ** 2)", "ss_tot = np.sum(y**2)"),),
    ),
    Mistake(
        name="soft_threshold_not_clipped",
        task="soft_threshold",
        message=(
            "values with |rho| <= lam must become exactly 0: S(rho, lam) = "
            "sign(rho) * max(|rho| - lam, 0). Without the max, small values change sign."
        ),
        replace=(
            (
                "out = np.sign(rho) * max(abs(rho) - lam, 0.0)",
                "out = np.sign(rho) * (abs(rho) - lam)",
            ),
        ),
    ),
    Mistake(
        name="lasso_threshold_off_by_n",
        task="lasso_fit",
        message=(
            "the threshold is off by a factor N: with the 1/(2N) in front of the squared "
            "error, the coordinate update is w_j = S(rho_j, N * alpha) / z_j (or divide rho_j "
            "and z_j by N and threshold at alpha)."
        ),
        replace=(("soft_threshold(rho, N * alpha)", "soft_threshold(rho, alpha)"),),
    ),
    Mistake(
        name="lasso_rho_without_own_term",
        task="lasso_fit",
        message=(
            "rho_j must use the residual WITHOUT feature j's own contribution: "
            "rho_j = Xc[:, j] @ (r + Xc[:, j] * w[j]) where r = yc - Xc @ w."
        ),
        replace=(("rho = Xc[:, j] @ r + z[j] * w[j]", "rho = Xc[:, j] @ r"),),
    ),
    Mistake(
        name="logistic_bias_penalised",
        task="logistic_loss_and_grad",
        message=(
            "the intercept is penalised: the L2 term is (l2 / 2) * ||w||^2 only, so db has "
            "no l2 * b term."
        ),
        replace=(
            (
                "+ 0.5 * l2 * (w @ w)",
                "+ 0.5 * l2 * (w @ w + b * b)",
            ),
            ("db = np.mean(p - y)", "db = np.mean(p - y) + l2 * b"),
        ),
    ),
    Mistake(
        name="logistic_grad_not_averaged",
        task="logistic_loss_and_grad",
        message=(
            "the loss is a MEAN over the N examples, so its gradient is too: "
            "dw = X^T (p - y) / N + l2 * w and db = mean(p - y)."
        ),
        replace=(
            ("dw = X.T @ (p - y) / N + l2 * w", "dw = X.T @ (p - y) + l2 * w"),
            ("db = np.mean(p - y)", "db = np.sum(p - y)"),
        ),
    ),
    Mistake(
        name="logistic_loss_overflows",
        task="logistic_loss_and_grad",
        message=(
            "the loss overflows for large |X w + b| (log of a probability that rounded to 0): "
            "write it as mean(logaddexp(0, z) - y * z), which is exact and never overflows."
        ),
        replace=(
            (
                "loss = np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * l2 * (w @ w)",
                "loss = np.mean(-y * np.log(p) - (1 - y) * np.log(1 - p)) + 0.5 * l2 * (w @ w)",
            ),
        ),
    ),
    Mistake(
        name="kmeans_empty_cluster_to_zero",
        task="kmeans",
        message=(
            "an empty cluster's center moves to the origin (a sum of no points divided by "
            "max(count, 1)); a cluster that gets no points must keep its previous center."
        ),
        replace=(
            (
                "            if members.any():\n"
                "                centers[j] = X[members].mean(axis=0)\n",
                "            centers[j] = X[members].sum(axis=0) / max(members.sum(), 1)\n",
            ),
        ),
    ),
    Mistake(
        name="kmeans_empty_cluster_nan",
        task="kmeans",
        message=(
            "an empty cluster's center becomes NaN (the mean of no points); a cluster that "
            "gets no points must keep its previous center."
        ),
        replace=(
            (
                "            if members.any():\n"
                "                centers[j] = X[members].mean(axis=0)\n",
                "            centers[j] = X[members].mean(axis=0)\n",
            ),
        ),
    ),
    Mistake(
        name="pca_not_centred",
        task="pca",
        message=(
            "the data are not centred: PCA takes the SVD of X - mean(X, axis=0); without "
            "centring, the first component points at the mean instead of along the spread."
        ),
        replace=(("    Xc = X - X.mean(axis=0)  # (N, D)\n", "    Xc = X  # (N, D)\n"),),
    ),
    Mistake(
        name="pca_n_denominator",
        task="pca",
        message=(
            "explained_variance divides by N; the sample variance (and scikit-learn) uses "
            "N - 1: S[i]^2 / (N - 1)."
        ),
        replace=(("S[:n_components] ** 2 / (N - 1)", "S[:n_components] ** 2 / N"),),
    ),
    Mistake(
        name="pca_signs_not_fixed",
        task="pca",
        message=(
            "the component signs are left as the SVD returned them; flip each row (and its "
            "column of X_proj) so that the entry of largest magnitude is positive."
        ),
        replace=(("    components *= signs[:, None]\n", ""),),
    ),
    Mistake(
        name="knn_ignores_k",
        task="knn_predict",
        message=(
            "the prediction is the label of the single nearest neighbour; vote among the "
            "k nearest (the most frequent label, ties to the smaller label)."
        ),
        replace=(("[:, :k]  # (M, k)", "[:, :1]  # (M, k)"),),
    ),
    Mistake(
        name="knn_vote_tie_to_larger_label",
        task="knn_predict",
        message="a tie in votes must go to the SMALLER label.",
        replace=(
            (
                "y_pred[m] = labels[np.argmax(counts)]",
                "y_pred[m] = labels[len(counts) - 1 - np.argmax(counts[::-1])]",
            ),
        ),
    ),
    Mistake(
        name="kfold_remainder_in_last_fold",
        task="kfold_indices",
        message=(
            "the n % k leftover indices all go to the last fold; the first n % k folds get "
            "one extra index each (sizes differ by at most 1, as scikit-learn's KFold)."
        ),
        replace=(("sizes[: n % k] += 1", "sizes[-1] += n % k"),),
    ),
    Mistake(
        name="entropy_instead_of_gini",
        task="gini_impurity",
        message=("this is the entropy -sum p log p; the Gini impurity is 1 - sum_c p_c^2."),
        replace=(("gini = 1.0 - np.sum(p**2)", "gini = -np.sum(p * np.log2(p))"),),
    ),
    Mistake(
        name="split_children_not_weighted",
        task="best_split",
        message=(
            "the children's impurities must be weighted by their sizes: "
            "gain = G(y) - (n_left / N) G(y_left) - (n_right / N) G(y_right)."
        ),
        replace=(
            (
                "n_left * gini_impurity(y[left]) + (N - n_left) * gini_impurity(y[~left])\n"
                "            ) / N",
                "gini_impurity(y[left]) + gini_impurity(y[~left])\n            ) / 2",
            ),
        ),
    ),
    Mistake(
        name="split_threshold_not_midpoint",
        task="best_split",
        message=(
            "the threshold is a data value; use the midpoint between consecutive distinct "
            "sorted values, (v_i + v_(i+1)) / 2."
        ),
        replace=(("thresholds = (values[:-1] + values[1:]) / 2", "thresholds = values[:-1]"),),
    ),
]
