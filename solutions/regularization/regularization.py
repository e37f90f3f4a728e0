"""Regularization: dropout, the L2 penalty, label smoothing, mixup, cutmix, early stopping.

Each technique fights overfitting in its own way: dropout adds noise to the
activations, the L2 penalty pulls weights towards zero, label smoothing stops the
model from chasing infinitely confident predictions, mixup and cutmix train on
blends of two examples, and early stopping ends training when the validation loss
stops improving.

Dimension letters used in the docstrings:
- N: number of examples in a batch
- C: number of classes (for labels); number of channels (for images)
- H, W: height and width of an image, in pixels

All arrays are float64 numpy arrays (labels and permutations are int64). No
function modifies its array arguments. Randomness comes only from the `seed`
argument of dropout_forward.
"""

from __future__ import annotations

import numpy as np

# -------------------------------------------------------------------------- dropout


def dropout_forward(x, p, train=True, seed=None):
    """Inverted dropout (torch: F.dropout(x, p, training=train)).

    In train mode every entry is zeroed independently with probability p, and the
    survivors are scaled by 1 / (1 - p), so that E[out] = x and nothing needs to
    change at test time. In eval mode (train=False) dropout is the identity.

    Keep the mask (with its scale) in the cache: the backward pass must use the
    very same mask, not draw a new one.

    Inputs:
    - x: input of any shape
    - p: probability of zeroing an entry, in [0, 1)
    - train: True for training mode, False for eval mode
    - seed: None draws from a fresh np.random.default_rng(); an int (or a
      Generator) makes the mask reproducible

    Returns a tuple of:
    - out: output, same shape as x
    - cache: (mask, p, train), for dropout_backward; mask has the shape of x in
      train mode and is None in eval mode

    The blanks must fill `mask` and `out`: one blank for train mode (draw the mask
    from `rng`), one for eval mode.
    """
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout probability must be in [0, 1), got {p}")
    rng = np.random.default_rng(seed)
    if train:
        ### BEGIN SOLUTION
        keep = rng.random(x.shape) >= p  # True with probability 1 - p
        mask = keep / (1.0 - p)  # 0 or 1/(1-p), float64, shape of x
        out = x * mask
        ### END SOLUTION
    else:
        ### BEGIN SOLUTION
        mask = None
        out = x.copy()
        ### END SOLUTION
    cache = (mask, p, train)
    return out, cache


def dropout_backward(dout, cache):
    """Backward pass of dropout_forward.

    Inputs:
    - dout: upstream gradient, same shape as x
    - cache: (mask, p, train) as returned by dropout_forward

    Returns:
    - dx: gradient with respect to x, same shape as x

    The blanks must fill `dx`: one for train mode, one for eval mode. Differentiate
    the forward pass that ran, with the mask it stored in the cache; hints:
    `dlcourse hint regularization dropout_backward`.
    """
    mask, p, train = cache
    if train:
        ### BEGIN SOLUTION
        dx = dout * mask
        ### END SOLUTION
    else:
        ### BEGIN SOLUTION
        dx = dout.copy()
        ### END SOLUTION
    return dx


# ----------------------------------------------------------------------- L2 penalty


def l2_penalty(params, weight_decay):
    """L2 penalty on a list of parameter arrays and its gradients.

    loss = 0.5 * weight_decay * sum over every array p of sum(p**2)

    Adding it to a loss and taking a gradient step shrinks every weight by a
    constant factor before the data gradient acts: hence "weight decay".

    Inputs:
    - params: list of arrays of any shapes
    - weight_decay: float, the strength of the penalty

    Returns a tuple of:
    - loss: float
    - grads: list of arrays, grads[i] of the shape of params[i]

    The blank must fill `loss` and `grads` (derive the gradient; hints:
    `dlcourse hint regularization l2_penalty`).
    """
    ### BEGIN SOLUTION
    loss = 0.5 * weight_decay * sum(float(np.sum(p * p)) for p in params)
    grads = [weight_decay * p for p in params]
    ### END SOLUTION
    return float(loss), grads


# ------------------------------------------------------------------ label smoothing


def label_smoothing_cross_entropy(logits, y, smoothing):
    """Cross-entropy against smoothed targets (torch: F.cross_entropy(..., label_smoothing=)).

    The one-hot target of example i is replaced by
        q_i = (1 - smoothing) * onehot(y_i) + smoothing / C
    (every class gets smoothing / C, the true class 1 - smoothing on top of that)
    and loss = -(1/N) * sum_i sum_c q_ic * log softmax(logits_i)_c.
    smoothing = 0 is the ordinary cross-entropy. Subtract each row's maximum before
    exponentiating so that |logits| up to 1e4 stay finite.

    Inputs:
    - logits: class scores of shape (N, C)
    - y: int labels of shape (N,), each in [0, C)
    - smoothing: float in [0, 1]

    Returns a tuple of:
    - loss: float, the mean over the N examples
    - dlogits: gradient of the loss with respect to logits, shape (N, C)

    The blank must fill `loss` and `dlogits`. Derive dlogits yourself; hints:
    `dlcourse hint regularization label_smoothing_cross_entropy`.
    """
    N, C = logits.shape
    ### BEGIN SOLUTION
    shifted = logits - logits.max(axis=1, keepdims=True)  # (N, C)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, C)
    q = np.full((N, C), smoothing / C)  # (N, C)
    q[np.arange(N), y] += 1.0 - smoothing
    loss = -(q * log_probs).sum() / N
    dlogits = (np.exp(log_probs) - q) / N  # (N, C)
    ### END SOLUTION
    return float(loss), dlogits


# ----------------------------------------------------------------- mixup and cutmix


def mixup(x, y_onehot, lam, perm):
    """Mixup: blend every example with a partner, and blend the labels the same way.

    x_mix = lam * x + (1 - lam) * x[perm],  y_mix = lam * y + (1 - lam) * y[perm].
    In training, lam is drawn from Beta(a, a) and perm is a random permutation of
    the batch; here both are given, so the function itself is deterministic.

    Inputs:
    - x: inputs of shape (N, ...)
    - y_onehot: one-hot (or already soft) labels of shape (N, C)
    - lam: float in [0, 1], the weight of the example itself
    - perm: int array of shape (N,), the partner of example i is perm[i]

    Returns a tuple of:
    - x_mix: shape of x
    - y_mix: shape of y_onehot

    The blank must fill `x_mix` and `y_mix`.
    """
    ### BEGIN SOLUTION
    x_mix = lam * x + (1.0 - lam) * x[perm]
    y_mix = lam * y_onehot + (1.0 - lam) * y_onehot[perm]
    ### END SOLUTION
    return x_mix, y_mix


def cutmix(x, y_onehot, box, perm):
    """CutMix: paste a box cut from a partner image, mix the labels by area.

    Example i keeps its own pixels outside the box and takes the pixels of
    x[perm[i]] inside it (the same box for every image and channel). Its label
    becomes (1 - f) * y[i] + f * y[perm[i]], with f = box area / (H * W).

    Inputs:
    - x: images of shape (N, C, H, W)
    - y_onehot: one-hot (or soft) labels of shape (N, K)
    - box: (top, left, height, width) in pixels; rows top .. top+height-1 and
      columns left .. left+width-1; the box must lie inside the image
    - perm: int array of shape (N,), the partner of example i is perm[i]

    Returns a tuple of:
    - x_mix: shape (N, C, H, W); x itself is not modified
    - y_mix: shape (N, K)

    The blank must fill `x_mix` and `y_mix`.
    """
    N, C, H, W = x.shape
    top, left, height, width = (int(v) for v in box)
    if height < 0 or width < 0 or top < 0 or left < 0 or top + height > H or left + width > W:
        raise ValueError(f"box {tuple(box)} does not lie inside an image of {H}x{W} pixels")
    ### BEGIN SOLUTION
    x_mix = x.copy()
    rows = slice(top, top + height)
    cols = slice(left, left + width)
    x_mix[:, :, rows, cols] = x[perm][:, :, rows, cols]
    frac = height * width / (H * W)
    y_mix = (1.0 - frac) * y_onehot + frac * y_onehot[perm]
    ### END SOLUTION
    return x_mix, y_mix


# ------------------------------------------------------------------- early stopping


class EarlyStopping:
    """Stop training when the validation loss has stopped improving.

    A call counts as an improvement when val_loss < best - min_delta; then `best`
    and `best_step` are updated and the count of bad calls goes back to 0. Any
    other call (a worse loss, an equal one, or one better by at most min_delta)
    adds 1 to the count, and `best` stays. step() returns True when the count
    has reached `patience`, i.e. after `patience` consecutive calls without an
    improvement.

    Attributes:
    - patience: int >= 1
    - min_delta: float >= 0
    - best: the best loss so far (inf before the first call)
    - best_step: 0-based index of the call that set `best` (None before the first call)
    - num_bad: consecutive calls without an improvement
    - num_calls: calls so far
    """

    def __init__(self, patience, min_delta=0.0):
        if patience < 1:
            raise ValueError(f"patience must be at least 1, got {patience}")
        if min_delta < 0:
            raise ValueError(f"min_delta must be non-negative, got {min_delta}")
        self.patience = patience
        self.min_delta = min_delta
        self.best = float("inf")
        self.best_step = None
        self.num_bad = 0
        self.num_calls = 0

    def step(self, val_loss):
        """Record one validation loss; return True when training should stop.

        Inputs:
        - val_loss: float, the validation loss of this epoch

        Returns:
        - stop: bool

        The blank must update `best`, `best_step` and `num_bad`, and set `stop`.
        The index of this call is `self.num_calls` (it is incremented after the blank).
        """
        val_loss = float(val_loss)
        ### BEGIN SOLUTION
        if val_loss < self.best - self.min_delta:
            self.best = val_loss
            self.best_step = self.num_calls
            self.num_bad = 0
        else:
            self.num_bad += 1
        stop = self.num_bad >= self.patience
        ### END SOLUTION
        self.num_calls += 1
        return bool(stop)
