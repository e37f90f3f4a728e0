"""Backprop warm-up: an affine layer, activations, losses, initialisation, gradient checks.

Every layer comes as a pair: `X_forward(...)` returns `(out, cache)` and
`X_backward(dout, cache)` turns the upstream gradient `dout` (the gradient of the
final scalar loss with respect to `out`) into the gradient with respect to each
input. Losses return `(loss, dlogits)` at once: the loss is the end of the chain,
so its backward pass starts from 1.

Dimension letters used in the docstrings:
- N: number of examples in a batch
- D: number of input features of an affine layer (d1 * ... * dk after flattening)
- M: number of output features of an affine layer
- C: number of classes

All arrays are float64 numpy arrays (labels are int64). No function modifies its
array arguments, except `numerical_gradient`, which nudges `x` and restores it.
"""

from __future__ import annotations

import numpy as np

# --------------------------------------------------------------------------- affine


def affine_forward(x, w, b):
    """Fully connected layer: out = x_flat @ w + b.

    Inputs:
    - x: input of shape (N, d1, ..., dk); each example is flattened to D = d1 * ... * dk
    - w: weights of shape (D, M)
    - b: biases of shape (M,)

    Returns a tuple of:
    - out: output of shape (N, M)
    - cache: (x, w, b), for affine_backward

    The blank must fill `out`.
    """
    N = x.shape[0]
    ### BEGIN SOLUTION
    x_flat = x.reshape(N, -1)  # (N, D)
    out = x_flat @ w + b  # (N, M)
    ### END SOLUTION
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """Backward pass of affine_forward.

    Derive each gradient entry by entry with the chain rule: which outputs did
    one weight, one input entry, one bias touch? Stuck? `dlcourse hint basics
    affine_backward` shows a hint ladder, one level per call.

    Inputs:
    - dout: upstream gradient of shape (N, M)
    - cache: (x, w, b) as returned by affine_forward

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, d1, ..., dk), the shape of x
    - dw: gradient with respect to w, of shape (D, M)
    - db: gradient with respect to b, of shape (M,)

    The blank must fill `dx`, `dw` and `db`.
    """
    x, w, b = cache
    N = x.shape[0]
    ### BEGIN SOLUTION
    x_flat = x.reshape(N, -1)  # (N, D)
    dx = (dout @ w.T).reshape(x.shape)  # (N, D) -> (N, d1, ..., dk)
    dw = x_flat.T @ dout  # (D, M)
    db = dout.sum(axis=0)  # (M,)
    ### END SOLUTION
    return dx, dw, db


# ---------------------------------------------------------------------- activations


def relu_forward(x):
    """Rectified linear unit, elementwise: out = max(x, 0).

    Inputs:
    - x: input of any shape

    Returns a tuple of:
    - out: output, same shape as x
    - cache: x, for relu_backward

    The blank must fill `out`.
    """
    ### BEGIN SOLUTION
    out = np.maximum(x, 0.0)
    ### END SOLUTION
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """Backward pass of relu_forward.

    At the kink x = 0 the derivative is undefined; torch's gradient there is 0,
    and so must yours be. Hints: `dlcourse hint basics relu_backward`.

    Inputs:
    - dout: upstream gradient, same shape as x
    - cache: x as returned by relu_forward

    Returns:
    - dx: gradient with respect to x, same shape as x

    The blank must fill `dx`.
    """
    x = cache
    ### BEGIN SOLUTION
    dx = np.where(x > 0, dout, 0.0)
    ### END SOLUTION
    return dx


def sigmoid_forward(x):
    """Logistic sigmoid, elementwise: out = 1 / (1 + exp(-x)).

    Compute it without overflow for large |x| (np.exp(1000) is inf): for x < 0
    the equal form exp(x) / (1 + exp(x)) only exponentiates negative numbers.

    Inputs:
    - x: input of any shape

    Returns a tuple of:
    - out: output in (0, 1), same shape as x
    - cache: out, for sigmoid_backward

    The blank must fill `out`.
    """
    ### BEGIN SOLUTION
    e = np.exp(-np.abs(x))  # in (0, 1], never overflows
    out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION
    cache = out
    return out, cache


def sigmoid_backward(dout, cache):
    """Backward pass of sigmoid_forward.

    The derivative of the sigmoid can be written with its output s alone, which
    is why the cache holds s and not x. Hints: `dlcourse hint basics sigmoid_backward`.

    Inputs:
    - dout: upstream gradient, same shape as x
    - cache: out of sigmoid_forward (s)

    Returns:
    - dx: gradient with respect to x, same shape as x

    The blank must fill `dx`.
    """
    s = cache
    ### BEGIN SOLUTION
    dx = dout * s * (1.0 - s)
    ### END SOLUTION
    return dx


def tanh_forward(x):
    """Hyperbolic tangent, elementwise.

    Inputs:
    - x: input of any shape

    Returns a tuple of:
    - out: output in (-1, 1), same shape as x
    - cache: out, for tanh_backward

    The blank must fill `out`.
    """
    ### BEGIN SOLUTION
    out = np.tanh(x)
    ### END SOLUTION
    cache = out
    return out, cache


def tanh_backward(dout, cache):
    """Backward pass of tanh_forward.

    Like the sigmoid's, the derivative of tanh can be written with the output
    alone; the cache holds it. Hints: `dlcourse hint basics tanh_backward`.

    Inputs:
    - dout: upstream gradient, same shape as x
    - cache: out of tanh_forward

    Returns:
    - dx: gradient with respect to x, same shape as x

    The blank must fill `dx`.
    """
    t = cache
    ### BEGIN SOLUTION
    dx = dout * (1.0 - t * t)
    ### END SOLUTION
    return dx


def leaky_relu_forward(x, alpha=0.01):
    """Leaky ReLU, elementwise: out = x where x > 0, alpha * x elsewhere.

    Inputs:
    - x: input of any shape
    - alpha: slope for x <= 0 (torch's negative_slope)

    Returns a tuple of:
    - out: output, same shape as x
    - cache: (x, alpha), for leaky_relu_backward

    The blank must fill `out`.
    """
    ### BEGIN SOLUTION
    out = np.where(x > 0, x, alpha * x)
    ### END SOLUTION
    cache = (x, alpha)
    return out, cache


def leaky_relu_backward(dout, cache):
    """Backward pass of leaky_relu_forward.

    At the kink x = 0, torch uses the slope of the negative side.
    Hints: `dlcourse hint basics leaky_relu_backward`.

    Inputs:
    - dout: upstream gradient, same shape as x
    - cache: (x, alpha) as returned by leaky_relu_forward

    Returns:
    - dx: gradient with respect to x, same shape as x

    The blank must fill `dx`.
    """
    x, alpha = cache
    ### BEGIN SOLUTION
    dx = np.where(x > 0, dout, alpha * dout)
    ### END SOLUTION
    return dx


def elu_forward(x, alpha=1.0):
    """Exponential linear unit, elementwise: x where x > 0, alpha * (exp(x) - 1) elsewhere.

    Only exponentiate the non-positive part, or large positive x overflow.
    np.expm1(z) computes exp(z) - 1 accurately for small z.

    Inputs:
    - x: input of any shape
    - alpha: the value the output approaches as x -> -inf is -alpha

    Returns a tuple of:
    - out: output, same shape as x
    - cache: (x, alpha), for elu_backward

    The blank must fill `out`.
    """
    ### BEGIN SOLUTION
    out = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))
    ### END SOLUTION
    cache = (x, alpha)
    return out, cache


def elu_backward(dout, cache):
    """Backward pass of elu_forward.

    At x = 0, torch uses the derivative of the negative branch. Exponentiate only
    non-positive numbers, as in the forward pass. Hints: `dlcourse hint basics elu_backward`.

    Inputs:
    - dout: upstream gradient, same shape as x
    - cache: (x, alpha) as returned by elu_forward

    Returns:
    - dx: gradient with respect to x, same shape as x

    The blank must fill `dx`.
    """
    x, alpha = cache
    ### BEGIN SOLUTION
    dx = np.where(x > 0, dout, dout * alpha * np.exp(np.minimum(x, 0.0)))
    ### END SOLUTION
    return dx


# --------------------------------------------------------------------------- losses


def softmax_cross_entropy(logits, y):
    """Mean softmax cross-entropy loss and its gradient (torch: F.cross_entropy).

    loss = -(1/N) * sum_i log softmax(logits_i)[y_i]

    Must stay finite for |logits| up to 1e4: subtract each row's maximum before
    exponentiating (softmax does not change when a constant is added to a row).

    Inputs:
    - logits: class scores of shape (N, C)
    - y: int labels of shape (N,), each in [0, C)

    Returns a tuple of:
    - loss: float, the mean loss over the N examples
    - dlogits: gradient of the loss with respect to logits, shape (N, C)

    The blank must fill `loss` and `dlogits`. Derive dlogits yourself (one logit
    at a time, true class and other classes apart); hints: `dlcourse hint basics
    softmax_cross_entropy`.
    """
    N, C = logits.shape
    ### BEGIN SOLUTION
    shifted = logits - logits.max(axis=1, keepdims=True)  # (N, C), row max is 0
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, C)
    loss = -log_probs[np.arange(N), y].mean()
    dlogits = np.exp(log_probs)  # softmax probabilities, (N, C)
    dlogits[np.arange(N), y] -= 1.0
    dlogits /= N
    ### END SOLUTION
    return float(loss), dlogits


def mse_loss(pred, target):
    """Mean squared error over all elements and its gradient (torch: F.mse_loss).

    loss = mean((pred - target)**2), the mean taken over every element.

    Inputs:
    - pred: predictions of any shape
    - target: targets, same shape as pred

    Returns a tuple of:
    - loss: float
    - dpred: gradient of the loss with respect to pred, same shape as pred

    The blank must fill `loss` and `dpred`. Hints: `dlcourse hint basics mse_loss`.
    """
    ### BEGIN SOLUTION
    diff = pred - target
    loss = np.mean(diff**2)
    dpred = 2.0 * diff / diff.size
    ### END SOLUTION
    return float(loss), dpred


def bce_with_logits(logits, targets):
    """Mean binary cross-entropy on raw scores (torch: F.binary_cross_entropy_with_logits).

    With s = sigmoid(z), per element: l = -(t * log(s) + (1 - t) * log(1 - s)).
    Written in terms of z this is  max(z, 0) - z * t + log(1 + exp(-|z|)),
    which never overflows and never takes log(0), even for |z| = 1e4.

    Inputs:
    - logits: raw scores z of any shape
    - targets: targets t in [0, 1], same shape as logits

    Returns a tuple of:
    - loss: float, the mean over all elements
    - dlogits: gradient of the loss with respect to logits, same shape as logits

    The blank must fill `loss` and `dlogits`. The gradient simplifies to a short
    expression without any logarithm; hints: `dlcourse hint basics bce_with_logits`.
    """
    ### BEGIN SOLUTION
    e = np.exp(-np.abs(logits))  # in (0, 1]
    per_element = np.maximum(logits, 0.0) - logits * targets + np.log1p(e)
    loss = per_element.mean()
    s = np.where(logits >= 0, 1.0 / (1.0 + e), e / (1.0 + e))  # stable sigmoid
    dlogits = (s - targets) / logits.size
    ### END SOLUTION
    return float(loss), dlogits


# ------------------------------------------------------------------- initialisation


def xavier_init(fan_in, fan_out, rng):
    """Glorot (Xavier) uniform initialisation (torch: nn.init.xavier_uniform_).

    Entries are drawn independently from U(-a, a) with a = sqrt(6 / (fan_in + fan_out)),
    so that Var = a**2 / 3 = 2 / (fan_in + fan_out).

    Inputs:
    - fan_in: number of inputs of the layer (D)
    - fan_out: number of outputs of the layer (M)
    - rng: a numpy Generator (np.random.default_rng(seed)); an int seed also works

    Returns:
    - w: weights of shape (fan_in, fan_out)

    The blank must fill `w`, drawing from `rng` only.
    """
    rng = np.random.default_rng(rng)
    ### BEGIN SOLUTION
    a = np.sqrt(6.0 / (fan_in + fan_out))
    w = rng.uniform(-a, a, size=(fan_in, fan_out))
    ### END SOLUTION
    return w


def he_init(fan_in, fan_out, rng):
    """He (Kaiming) normal initialisation for ReLU layers (torch: nn.init.kaiming_normal_).

    Entries are drawn independently from N(0, std**2) with std = sqrt(2 / fan_in).

    Inputs:
    - fan_in: number of inputs of the layer (D)
    - fan_out: number of outputs of the layer (M)
    - rng: a numpy Generator (np.random.default_rng(seed)); an int seed also works

    Returns:
    - w: weights of shape (fan_in, fan_out)

    The blank must fill `w`, drawing from `rng` only.
    """
    rng = np.random.default_rng(rng)
    ### BEGIN SOLUTION
    std = np.sqrt(2.0 / fan_in)
    w = rng.normal(0.0, std, size=(fan_in, fan_out))
    ### END SOLUTION
    return w


# ------------------------------------------------------------------ gradient checks


def numerical_gradient(f, x, h=1e-5):
    """Numerical gradient of a scalar function by central differences.

    For every index i:  grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h),
    where e_i is the array with a 1 at index i. Nudge x in place, evaluate f,
    and put the original value back, so that x is unchanged when this returns.

    Inputs:
    - f: a function taking the array x and returning a scalar
    - x: float64 array of any shape, the point at which to differentiate
    - h: step size

    Returns:
    - grad: array of the shape of x

    The blank must fill `grad`.
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    ### BEGIN SOLUTION
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        f_plus = float(f(x))
        x[index] = old - h
        f_minus = float(f(x))
        x[index] = old
        grad[index] = (f_plus - f_minus) / (2.0 * h)
    ### END SOLUTION
    return grad
