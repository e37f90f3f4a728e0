"""Classical machine learning in numpy: regression, classification, clustering, PCA, trees.

Dimension letters used throughout:
- N: number of training examples (rows of X)
- D: number of features (columns of X)
- M: number of test examples
- K: number of clusters (k-means) or of components (PCA)

Conventions:
- X is an (N, D) float64 array, one example per row.
- y is (N,) float64 for regression and (N,) int64 for classes.
- A linear model predicts X @ w + b with w of shape (D,) and a scalar intercept b.
  The intercept is never penalised: only w is shrunk by ridge, lasso and the
  L2 term of logistic regression.
- No function modifies its array arguments.

scikit-learn (float64) is the yardstick: each function here agrees with the
scikit-learn estimator named in its docstring, but you may not import it (nor
scipy): every formula is yours to write with numpy.
"""

from __future__ import annotations

import numpy as np

# ----------------------------------------------------------------------------
# Linear regression, ridge and R^2
# ----------------------------------------------------------------------------


def linear_regression_fit(
    X: np.ndarray, y: np.ndarray, l2: float = 0.0
) -> tuple[np.ndarray, float]:
    """Least squares (l2 = 0) or ridge regression (l2 > 0) with an unpenalised intercept.

    Minimises  ||y - X w - b||^2 + l2 * ||w||^2  over w (D,) and b (a scalar).
    scikit-learn: LinearRegression() when l2 = 0, Ridge(alpha=l2) otherwise.

    Inputs:
    - X: features of shape (N, D)
    - y: targets of shape (N,)
    - l2: the ridge penalty (>= 0)

    Returns a tuple of:
    - w: weights of shape (D,)
    - b: intercept, a float

    The blank: fill `w` and `b`. Centre first: with Xc = X - mean(X, axis=0) and
    yc = y - mean(y), the optimal w solves the centred problem without an
    intercept, and then b = mean(y) - mean(X, axis=0) @ w. The ridge problem is a
    least-squares problem too: stack sqrt(l2) * I (D, D) under Xc and D zeros
    under yc. Solve with np.linalg.lstsq (it also copes with l2 = 0 and with
    collinear columns); never form an explicit inverse.
    """
    N, D = X.shape
    x_mean = X.mean(axis=0)  # (D,)
    y_mean = y.mean()
    ### BEGIN SOLUTION
    Xc = X - x_mean  # (N, D)
    yc = y - y_mean  # (N,)
    A = np.vstack([Xc, np.sqrt(l2) * np.eye(D)])  # (N + D, D)
    t = np.concatenate([yc, np.zeros(D)])  # (N + D,)
    w = np.linalg.lstsq(A, t, rcond=None)[0]
    b = y_mean - x_mean @ w
    ### END SOLUTION
    return w, float(b)


def r2_score(y: np.ndarray, y_pred: np.ndarray) -> float:
    """The coefficient of determination R^2 = 1 - SS_res / SS_tot.

    SS_res = sum (y - y_pred)^2 is what the model leaves unexplained; SS_tot =
    sum (y - mean(y))^2 is what predicting the mean would leave. R^2 = 1 is a
    perfect fit, 0 is no better than the mean, and it is negative for a model
    worse than the mean. scikit-learn: sklearn.metrics.r2_score, including its
    rule for a constant y (SS_tot = 0): 1.0 if the prediction is perfect, else 0.0.

    Inputs:
    - y: true targets of shape (N,)
    - y_pred: predictions of shape (N,)

    Returns R^2 as a float.

    The blank: fill `ss_res`, `ss_tot` and `r2` (the constant-y rule is given).
    """
    ### BEGIN SOLUTION
    ss_res = np.sum((y - y_pred) ** 2)
    ss_tot = np.sum((y - y.mean()) ** 2)
    ### END SOLUTION
    if ss_tot == 0:
        return 1.0 if ss_res == 0 else 0.0
    ### BEGIN SOLUTION
    r2 = 1.0 - ss_res / ss_tot
    ### END SOLUTION
    return float(r2)


# ----------------------------------------------------------------------------
# Lasso by coordinate descent
# ----------------------------------------------------------------------------


def soft_threshold(rho: float, lam: float) -> float:
    """The soft-thresholding operator S(rho, lam) = argmin_w (1/2) (w - rho)^2 + lam |w|.

    The exact minimiser of that one-dimensional problem, which is why the
    lasso's coordinate updates use it. Derive it by cases (w > 0, w < 0, w = 0):
    the corner of |w| at 0 makes S(rho, lam) exactly 0 for a whole range of rho.
    Stuck? `dlcourse hint classical soft_threshold`.

    Inputs:
    - rho: a float
    - lam: the threshold, a float >= 0

    Returns S(rho, lam) as a float.

    The blank: fill `out`.
    """
    ### BEGIN SOLUTION
    out = np.sign(rho) * max(abs(rho) - lam, 0.0)
    ### END SOLUTION
    return float(out)


def lasso_fit(
    X: np.ndarray, y: np.ndarray, alpha: float, max_iter: int = 1000, tol: float = 1e-10
) -> tuple[np.ndarray, float]:
    """Lasso regression by cyclic coordinate descent.

    Minimises  (1 / (2N)) * ||y - X w - b||^2 + alpha * ||w||_1.
    scikit-learn: Lasso(alpha=alpha) (run to convergence).

    Inputs:
    - X: features of shape (N, D)
    - y: targets of shape (N,)
    - alpha: the L1 penalty (>= 0)
    - max_iter: the most sweeps over the D coordinates
    - tol: stop after a sweep in which no weight moved by more than tol

    Returns a tuple of:
    - w: weights of shape (D,)
    - b: intercept, a float

    Work on centred data (Xc, yc, as in linear_regression_fit) and keep the
    residual r = yc - Xc @ w up to date. With every other weight fixed, the
    objective is a function of w[j] alone, a parabola plus alpha * |w[j]|;
    its exact minimiser comes from soft_threshold once you write the parabola
    with r, Xc[:, j] and z_j = Xc[:, j] @ Xc[:, j] (mind the 1/(2N)).
    A constant column (z_j = 0) keeps w[j] = 0. Stuck?
    `dlcourse hint classical lasso_fit`.

    The blank: inside the loop over j, update `w[j]`, the residual `r` and
    `max_change` (the largest |change| of a weight in this sweep).
    """
    N, D = X.shape
    x_mean = X.mean(axis=0)
    y_mean = y.mean()
    Xc = X - x_mean  # centred features (N, D)
    yc = y - y_mean  # centred targets (N,)
    z = np.einsum("nd,nd->d", Xc, Xc)  # (D,) squared column norms
    w = np.zeros(D)
    r = yc.copy()  # residual yc - Xc @ w
    for _ in range(max_iter):
        max_change = 0.0
        for j in range(D):
            if z[j] == 0.0:
                continue
            ### BEGIN SOLUTION
            rho = Xc[:, j] @ r + z[j] * w[j]
            new = soft_threshold(rho, N * alpha) / z[j]
            change = new - w[j]
            if change != 0.0:
                r -= change * Xc[:, j]
                w[j] = new
            max_change = max(max_change, abs(change))
            ### END SOLUTION
        if max_change <= tol:
            break
    b = y_mean - x_mean @ w
    return w, float(b)


# ----------------------------------------------------------------------------
# Logistic regression
# ----------------------------------------------------------------------------


def logistic_loss_and_grad(
    w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray, l2: float = 0.0
) -> tuple[float, np.ndarray, float]:
    """Regularised binary cross entropy of a logistic model and its gradient.

    With z = X @ w + b and p = sigmoid(z) = 1 / (1 + exp(-z)):
        loss = mean_n [ -y_n log p_n - (1 - y_n) log(1 - p_n) ] + (l2 / 2) * ||w||^2
             = mean_n [ log(1 + exp(z_n)) - y_n z_n ] + (l2 / 2) * ||w||^2
    and (dw, db) is its gradient; b is not penalised. Derive the gradient with
    the chain rule through z (stuck? `dlcourse hint classical logistic_loss_and_grad`).

    Inputs:
    - w: weights of shape (D,)
    - b: intercept, a float
    - X: features of shape (N, D)
    - y: labels of shape (N,), each 0 or 1 (any numeric dtype)
    - l2: the L2 penalty (>= 0)

    Returns a tuple of:
    - loss: a float
    - dw: gradient with respect to w, shape (D,)
    - db: gradient with respect to b, a float

    Must stay finite for |z| up to 1e4: log(1 + exp(z)) is np.logaddexp(0, z),
    and sigmoid(z) = exp(-logaddexp(0, -z)) never overflows.

    The blank: fill `loss`, `dw` and `db`.
    """
    N = X.shape[0]
    y = np.asarray(y, dtype=float)
    z = X @ w + b  # (N,)
    ### BEGIN SOLUTION
    p = np.exp(-np.logaddexp(0.0, -z))  # sigmoid(z), (N,)
    loss = np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * l2 * (w @ w)
    dw = X.T @ (p - y) / N + l2 * w
    db = np.mean(p - y)
    ### END SOLUTION
    return float(loss), dw, float(db)


def logistic_regression_fit(
    X: np.ndarray, y: np.ndarray, l2: float = 1e-2, max_iter: int = 1000, tol: float = 1e-8
) -> tuple[np.ndarray, float]:
    """The (w, b) that minimise logistic_loss_and_grad's loss.

    scikit-learn: LogisticRegression(C=1 / (l2 * N)) finds the same optimum.
    Any sound method is accepted (the checks compare with the optimum to ~1e-5);
    this one is Newton's method with step halving. The loss is convex; the
    Newton step solves H step = grad, where grad and H are the gradient and the
    Hessian (D + 1, D + 1) of the loss with respect to theta = (w, b). Xa = [X, 1]
    (X with a column of ones appended) and `penalty` (b is not penalised) are
    given. Derive H from the gradient (stuck? `dlcourse hint classical
    logistic_regression_fit`).

    Inputs:
    - X: features of shape (N, D)
    - y: labels of shape (N,), each 0 or 1
    - l2: the L2 penalty on w (> 0 keeps the optimum finite on separable data)
    - max_iter: the most Newton steps
    - tol: stop when no entry of the step exceeds tol

    Returns a tuple of:
    - w: weights of shape (D,)
    - b: intercept, a float

    The blank: inside the loop, compute `grad` (D + 1,) and the Hessian `H`
    (D + 1, D + 1) at theta, and the Newton `step` (np.linalg.solve). The step
    halving and the stopping test are given.
    """
    N, D = X.shape
    y = np.asarray(y, dtype=float)
    Xa = np.hstack([X, np.ones((N, 1))])  # (N, D + 1)
    penalty = np.full(D + 1, float(l2))
    penalty[D] = 0.0  # the intercept is not penalised
    theta = np.zeros(D + 1)
    for _ in range(max_iter):
        loss, dw, db = logistic_loss_and_grad(theta[:D], theta[D], X, y, l2)
        ### BEGIN SOLUTION
        grad = np.append(dw, db)  # (D + 1,)
        p = np.exp(-np.logaddexp(0.0, -(Xa @ theta)))  # (N,)
        H = (Xa * (p * (1.0 - p))[:, None]).T @ Xa / N + np.diag(penalty)
        step = np.linalg.solve(H, grad)
        ### END SOLUTION
        # step halving: accept the step once the loss does not go up
        size = 1.0
        while size > 1e-10:
            new = theta - size * step
            if logistic_loss_and_grad(new[:D], new[D], X, y, l2)[0] <= loss:
                break
            size /= 2
        theta = new
        if np.max(np.abs(size * step)) <= tol:
            break
    return theta[:D].copy(), float(theta[D])


# ----------------------------------------------------------------------------
# k-means
# ----------------------------------------------------------------------------


def kmeans(
    X: np.ndarray, init_centers: np.ndarray, max_iter: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """Lloyd's algorithm for k-means, started from the given centers.

    Repeat: move every center to the mean of the points assigned to it, then
    assign every point to its nearest center (squared Euclidean distance; a tie
    goes to the lower center index, as np.argmin does). A center whose cluster
    is empty keeps its previous position. Stop as soon as an assignment leaves
    every label unchanged, or after max_iter center updates.
    scikit-learn: KMeans(n_clusters=K, init=init_centers, n_init=1, algorithm="lloyd")
    (which, unlike this function, moves an empty cluster's center elsewhere).

    Inputs:
    - X: points of shape (N, D)
    - init_centers: starting centers of shape (K, D)
    - max_iter: the most center updates

    Returns a tuple of:
    - centers: final centers of shape (K, D)
    - labels: int64 array of shape (N,), labels[n] = index of the center nearest X[n]
      (consistent with the returned centers)

    The blanks: the assignment step (fill `new_labels`) and the update step
    (overwrite the rows of `centers`). The loop around them is given.
    """
    N = X.shape[0]
    centers = np.array(init_centers, dtype=float)  # (K, D), a copy
    K = centers.shape[0]
    labels = np.full(N, -1, dtype=np.int64)
    for step in range(max_iter + 1):
        # assignment: new_labels (N,), the nearest center of each point
        ### BEGIN SOLUTION
        dist = np.sum((X[:, None, :] - centers[None, :, :]) ** 2, axis=2)  # (N, K)
        new_labels = np.argmin(dist, axis=1).astype(np.int64)
        ### END SOLUTION
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
        if step == max_iter:
            break
        # update: move each center (row of `centers`) to the mean of its points
        ### BEGIN SOLUTION
        for j in range(K):
            members = labels == j
            if members.any():
                centers[j] = X[members].mean(axis=0)
        ### END SOLUTION
    return centers, labels


# ----------------------------------------------------------------------------
# PCA
# ----------------------------------------------------------------------------


def pca(X: np.ndarray, n_components: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Principal component analysis from the SVD of the centred data.

    With Xc = X - mean(X, axis=0) = U S V^T (np.linalg.svd(Xc, full_matrices=False)),
    the rows of V^T are the principal directions in order of decreasing variance,
    and the variance of the data along row i is S[i]^2 / (N - 1) (the unbiased
    sample variance, as np.var(..., ddof=1)).
    scikit-learn: PCA(n_components) (components_, explained_variance_, transform).

    Inputs:
    - X: data of shape (N, D)
    - n_components: how many components to keep (<= min(N, D))

    Returns a tuple of:
    - components: (n_components, D), unit rows; each row's sign is chosen so that
      its entry of largest magnitude is positive (an SVD may return either sign)
    - explained_variance: (n_components,), variance along each component
    - X_proj: (N, n_components), the centred data projected on the components

    The blank: fill `components` (signs fixed), `explained_variance` and `X_proj`.
    """
    N, D = X.shape
    ### BEGIN SOLUTION
    Xc = X - X.mean(axis=0)  # (N, D)
    _, S, Vt = np.linalg.svd(Xc, full_matrices=False)
    components = Vt[:n_components].copy()  # (n_components, D)
    biggest = np.argmax(np.abs(components), axis=1)
    signs = np.sign(components[np.arange(n_components), biggest])
    components *= signs[:, None]
    explained_variance = S[:n_components] ** 2 / (N - 1)
    X_proj = Xc @ components.T  # (N, n_components)
    ### END SOLUTION
    return components, explained_variance, X_proj


# ----------------------------------------------------------------------------
# k nearest neighbours and k-fold cross-validation
# ----------------------------------------------------------------------------


def knn_predict(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, k: int) -> np.ndarray:
    """k-nearest-neighbour classification by majority vote.

    For each test point: take the k training points at the smallest Euclidean
    distance (ties in distance go to the lower training index: a stable sort)
    and predict the label that occurs most often among them (ties in votes go to
    the smaller label). scikit-learn: KNeighborsClassifier(k, algorithm="brute")
    on data without distance ties.

    Inputs:
    - X_train: (N, D) training points
    - y_train: (N,) int64 labels
    - X_test: (M, D) points to classify
    - k: number of neighbours, 1 <= k <= N

    Returns y_pred: int64 array of shape (M,).

    The blank: fill `y_pred`. Compute distances as sum((a - b)^2) over the
    features (np.argsort(..., kind="stable") keeps equal distances in index order).
    """
    M = X_test.shape[0]
    y_pred = np.zeros(M, dtype=np.int64)
    ### BEGIN SOLUTION
    dist = np.sum((X_test[:, None, :] - X_train[None, :, :]) ** 2, axis=2)  # (M, N)
    nearest = np.argsort(dist, axis=1, kind="stable")[:, :k]  # (M, k)
    for m in range(M):
        labels, counts = np.unique(y_train[nearest[m]], return_counts=True)
        # np.unique sorts the labels, so the first maximum is the smallest label
        y_pred[m] = labels[np.argmax(counts)]
    ### END SOLUTION
    return y_pred


def kfold_indices(n: int, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Train/validation index splits for k-fold cross-validation, without shuffling.

    The n indices 0..n-1 are cut into k consecutive folds; the first n % k folds
    hold n // k + 1 indices and the others n // k (so sizes differ by at most 1).
    Fold i is the validation set of split i; the train set is every other index,
    in increasing order. scikit-learn: KFold(n_splits=k).split(range(n)).

    Inputs:
    - n: number of examples
    - k: number of folds, 2 <= k <= n

    Returns a list of k tuples (train_idx, val_idx), int64 arrays.

    The blank: fill `sizes`, the k fold sizes (an int array summing to n).
    """
    ### BEGIN SOLUTION
    sizes = np.full(k, n // k, dtype=np.int64)
    sizes[: n % k] += 1
    ### END SOLUTION
    splits = []
    start = 0
    indices = np.arange(n, dtype=np.int64)
    for size in sizes:
        stop = start + int(size)
        val_idx = indices[start:stop]
        train_idx = np.concatenate([indices[:start], indices[stop:]])
        splits.append((train_idx, val_idx))
        start = stop
    return splits


# ----------------------------------------------------------------------------
# Decision trees: Gini impurity and the best split
# ----------------------------------------------------------------------------


def gini_impurity(y: np.ndarray) -> float:
    """Gini impurity G = 1 - sum_c p_c^2 of a set of labels (0.0 for an empty set).

    p_c is the fraction of labels equal to class c. G = 0 for a pure node and
    is largest when every class is equally frequent.

    Inputs:
    - y: int64 labels of shape (N,)

    Returns G as a float.

    The blank: fill `gini`.
    """
    if len(y) == 0:
        return 0.0
    _, counts = np.unique(y, return_counts=True)
    ### BEGIN SOLUTION
    p = counts / counts.sum()
    gini = 1.0 - np.sum(p**2)
    ### END SOLUTION
    return float(gini)


def best_split(X: np.ndarray, y: np.ndarray) -> tuple[int, float, float]:
    """The axis-aligned split with the largest decrease of weighted Gini impurity.

    A split (feature j, threshold t) sends the rows with X[:, j] <= t left and the
    others right. Its gain is
        G(y) - (n_left / N) * G(y_left) - (n_right / N) * G(y_right).
    Candidate thresholds of feature j are the midpoints between consecutive
    distinct values of X[:, j] sorted. Ties in gain go to the lower feature,
    then to the lower threshold. scikit-learn: the root split of
    DecisionTreeClassifier(max_depth=1, criterion="gini") on data without ties.

    Inputs:
    - X: features of shape (N, D)
    - y: int64 labels of shape (N,)

    Returns a tuple of:
    - feature: int, the index j of the best feature (-1 if no feature has two
      distinct values)
    - threshold: float, the best threshold (nan when feature is -1)
    - gain: float, the decrease of impurity (>= 0; 0.0 when feature is -1)

    The blank: for one feature, fill `thresholds` (the midpoints) and `gains`
    (one per threshold). The loop that keeps the best split is given; gains
    within 1e-12 count as equal.
    """
    N, D = X.shape
    parent = gini_impurity(y)
    best = (-1, float("nan"), 0.0)
    best_gain = -np.inf
    for j in range(D):
        ### BEGIN SOLUTION
        values = np.unique(X[:, j])  # sorted, distinct
        thresholds = (values[:-1] + values[1:]) / 2
        gains = np.empty(len(thresholds))
        for i, t in enumerate(thresholds):
            left = X[:, j] <= t
            n_left = left.sum()
            weighted = (
                n_left * gini_impurity(y[left]) + (N - n_left) * gini_impurity(y[~left])
            ) / N
            gains[i] = parent - weighted
        ### END SOLUTION
        for t, gain in zip(thresholds, gains):
            if gain > best_gain + 1e-12:
                best_gain = gain
                best = (j, float(t), float(gain))
    return best
