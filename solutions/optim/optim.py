"""Optimizers, learning-rate schedules and gradient clipping in numpy.

Every optimizer here follows the update rule of the torch.optim class of the
same name (PyTorch 2.x, without amsgrad / maximize / foreach / centered):

    opt = Adam(params, lr=1e-3)     # params: a list of float64 numpy arrays
    for it in range(num_steps):
        grads = compute_grads(params)  # list of arrays, aligned with params
        opt.step(grads)                # updates every array of params IN PLACE

In place means the very array objects the caller handed in change: write
`p -= update` or `p[...] = new_value`. Rebinding a name (`p = p - update`)
builds a new array and leaves the caller's parameter untouched. The gradient
arrays are inputs and must never be modified.

Per-parameter state (momentum buffers, running averages) lives on the
optimizer object, in lists aligned with `params`, created in `__init__`.

Notation used in the docstrings (all operations are elementwise):
- p: one parameter array, any shape; g: its gradient, same shape as p
- t: the 1-based number of the current step (`self.t` after it is incremented)
- lr: the learning rate `self.lr` (read at every step, so a schedule may change it)
- wd: weight decay

The docstrings say what each optimizer's state means and which torch
conventions matter; writing the update itself is the task. Stuck?
`dlcourse hint optim TASK` (e.g. `dlcourse hint optim Adam.step`) shows a hint
ladder, one level per call.

Learning-rate schedules are pure functions of the 0-based step index `step`
(the number of optimizer steps already taken, i.e. the lr for the update that
is about to happen), exactly as defined in their docstrings:

    warmup_cosine(step, base_lr, warmup_steps, total_steps, min_lr=0.0)
    warmup_inverse_sqrt(step, base_lr, warmup_steps)
    step_decay(step, base_lr, step_size, gamma)

Use them as `opt.lr = warmup_cosine(step, ...)` before each `opt.step(grads)`.
"""

from __future__ import annotations

import math

import numpy as np

# ----------------------------------------------------------------------------
# Base class (plumbing, nothing to fill in)
# ----------------------------------------------------------------------------


class Optimizer:
    """Holds the parameter list, the learning rate and the step counter.

    Inputs:
    - params: list of float64 numpy arrays (any shapes), updated in place
    - lr: learning rate, a float >= 0

    Attributes:
    - params: the list of parameter arrays (the caller's own arrays)
    - lr: the learning rate used by the next call of `step`
    - t: number of calls of `step` made so far
    """

    def __init__(self, params, lr):
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        for index, p in enumerate(params):
            if not isinstance(p, np.ndarray):
                raise TypeError(f"params[{index}] is a {type(p).__name__}, not a numpy array")
        if lr < 0.0:
            raise ValueError(f"invalid learning rate: {lr}")
        self.params = params
        self.lr = float(lr)
        self.t = 0

    def _check_grads(self, grads):
        """Return grads as a list of float64 arrays aligned with self.params."""
        grads = [np.asarray(g, dtype=np.float64) for g in grads]
        if len(grads) != len(self.params):
            raise ValueError(f"got {len(grads)} gradients for {len(self.params)} parameters")
        for index, (p, g) in enumerate(zip(self.params, grads)):
            if g.shape != p.shape:
                raise ValueError(
                    f"grads[{index}] has shape {g.shape}, its parameter has shape {p.shape}"
                )
        return grads

    def step(self, grads):
        raise NotImplementedError


def _check_nonneg(name, value):
    if value < 0.0:
        raise ValueError(f"invalid {name}: {value}")


def _check_unit(name, value):
    if not 0.0 <= value < 1.0:
        raise ValueError(f"invalid {name}: {value} (must lie in [0, 1))")


# ----------------------------------------------------------------------------
# Optimizers
# ----------------------------------------------------------------------------


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, dampening, Nesterov and weight decay.

    torch.optim.SGD's rule, for each parameter p with gradient g:
    - wd != 0 is coupled weight decay: the gradient of 0.5 * wd * |p|^2 is added
      to g before anything else;
    - momentum == 0: a plain gradient step of size lr;
    - momentum != 0: the buffer is an exponentially weighted sum of the
      gradients (old buffer times momentum, plus the new gradient times
      1 - dampening), and the step uses it in place of g. On the first step the
      buffer is a copy of g itself, NOT damped;
    - nesterov: torch's form of the look-ahead, the fresh gradient plus one more
      momentum step of the updated buffer (see the README).

    State: self.momentum_buffers[i] is None until the first step, then the
    momentum buffer (an array shaped like params[i]).
    """

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(params, lr)
        _check_nonneg("momentum", momentum)
        _check_nonneg("weight_decay", weight_decay)
        if nesterov and (momentum <= 0.0 or dampening != 0.0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        self.momentum = float(momentum)
        self.dampening = float(dampening)
        self.nesterov = bool(nesterov)
        self.weight_decay = float(weight_decay)
        self.momentum_buffers = [None] * len(self.params)

    def step(self, grads):
        """Apply one SGD update to every parameter, in place.

        Inputs:
        - grads: list of arrays, grads[i] shaped like self.params[i]

        Fill the blank: update `p` in place and, when momentum != 0, store the
        buffer in `self.momentum_buffers[i]`.
        """
        grads = self._check_grads(grads)
        self.t += 1
        for i, (p, g) in enumerate(zip(self.params, grads)):
            ### BEGIN SOLUTION
            if self.weight_decay != 0.0:
                g = g + self.weight_decay * p
            if self.momentum != 0.0:
                buf = self.momentum_buffers[i]
                if buf is None:
                    buf = g.copy()
                else:
                    buf = self.momentum * buf + (1.0 - self.dampening) * g
                self.momentum_buffers[i] = buf
                if self.nesterov:
                    g = g + self.momentum * buf
                else:
                    g = buf
            p -= self.lr * g
            ### END SOLUTION


class Adagrad(Optimizer):
    """Adagrad: per-coordinate step sizes from the running SUM of squared gradients.

    torch.optim.Adagrad's rule (lr_decay = 0, initial_accumulator_value = 0):
    wd != 0 adds the L2 penalty's gradient to g first. The state is the running
    SUM of the squared gradients, this step's included (a plain sum, it never
    decays); each coordinate's gradient is divided by the square root of its sum,
    with eps added AFTER the root, and the step is lr times that.

    State: self.sums[i], zeros shaped like params[i] at the start.
    """

    def __init__(self, params, lr=1e-2, eps=1e-10, weight_decay=0.0):
        super().__init__(params, lr)
        _check_nonneg("eps", eps)
        _check_nonneg("weight_decay", weight_decay)
        self.eps = float(eps)
        self.weight_decay = float(weight_decay)
        self.sums = [np.zeros_like(p, dtype=np.float64) for p in self.params]

    def step(self, grads):
        """Apply one Adagrad update to every parameter, in place.

        Inputs:
        - grads: list of arrays, grads[i] shaped like self.params[i]

        Fill the blank: update `self.sums[i]` and `p` (in place).
        """
        grads = self._check_grads(grads)
        self.t += 1
        for i, (p, g) in enumerate(zip(self.params, grads)):
            ### BEGIN SOLUTION
            if self.weight_decay != 0.0:
                g = g + self.weight_decay * p
            self.sums[i] = self.sums[i] + g * g
            p -= self.lr * g / (np.sqrt(self.sums[i]) + self.eps)
            ### END SOLUTION


class Adadelta(Optimizer):
    """Adadelta: a ratio of two running RMS values sets the step; lr scales it.

    torch.optim.Adadelta's rule: wd != 0 adds the L2 penalty's gradient to g
    first. square_avg is the moving average (decay rho) of the squared
    gradients, acc_delta the moving average (same rho) of the squared updates.
    With RMS[u] = sqrt(average of u**2 + eps) (eps INSIDE both roots), the update
    delta is g times RMS of the updates over RMS of the gradients.

    Note the order: `delta` uses acc_delta from BEFORE this step, which is fed
    the new delta only afterwards, and the learning rate multiplies delta (the
    paper has no lr; torch's default lr=1.0 reproduces the paper).

    State: self.square_avgs[i] and self.acc_deltas[i], zeros at the start.
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
        super().__init__(params, lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"invalid rho: {rho}")
        _check_nonneg("eps", eps)
        _check_nonneg("weight_decay", weight_decay)
        self.rho = float(rho)
        self.eps = float(eps)
        self.weight_decay = float(weight_decay)
        self.square_avgs = [np.zeros_like(p, dtype=np.float64) for p in self.params]
        self.acc_deltas = [np.zeros_like(p, dtype=np.float64) for p in self.params]

    def step(self, grads):
        """Apply one Adadelta update to every parameter, in place.

        Inputs:
        - grads: list of arrays, grads[i] shaped like self.params[i]

        Fill the blank: update `self.square_avgs[i]`, `self.acc_deltas[i]` and
        `p` (in place).
        """
        grads = self._check_grads(grads)
        self.t += 1
        for i, (p, g) in enumerate(zip(self.params, grads)):
            ### BEGIN SOLUTION
            if self.weight_decay != 0.0:
                g = g + self.weight_decay * p
            rho, eps = self.rho, self.eps
            self.square_avgs[i] = rho * self.square_avgs[i] + (1.0 - rho) * g * g
            delta = np.sqrt(self.acc_deltas[i] + eps) / np.sqrt(self.square_avgs[i] + eps) * g
            self.acc_deltas[i] = rho * self.acc_deltas[i] + (1.0 - rho) * delta * delta
            p -= self.lr * delta
            ### END SOLUTION


class RMSprop(Optimizer):
    """RMSprop: divide by the root of an exponential average of squared gradients.

    torch.optim.RMSprop's rule (centered=False): wd != 0 adds the L2 penalty's
    gradient to g first. square_avg is the moving average (decay alpha) of the
    squared gradients; g is divided by its square root plus eps (eps OUTSIDE the
    root). Without momentum the step is lr times that. With momentum > 0 a
    buffer, starting at zeros (unlike SGD's), accumulates the divided gradient
    (old buffer times momentum, plus the new divided gradient, no 1 - momentum
    factor), and the step is lr times the buffer.

    State: self.square_avgs[i] and self.momentum_buffers[i], zeros at the start.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0):
        super().__init__(params, lr)
        _check_nonneg("alpha", alpha)
        _check_nonneg("eps", eps)
        _check_nonneg("weight_decay", weight_decay)
        _check_nonneg("momentum", momentum)
        self.alpha = float(alpha)
        self.eps = float(eps)
        self.weight_decay = float(weight_decay)
        self.momentum = float(momentum)
        self.square_avgs = [np.zeros_like(p, dtype=np.float64) for p in self.params]
        self.momentum_buffers = [np.zeros_like(p, dtype=np.float64) for p in self.params]

    def step(self, grads):
        """Apply one RMSprop update to every parameter, in place.

        Inputs:
        - grads: list of arrays, grads[i] shaped like self.params[i]

        Fill the blank: update `self.square_avgs[i]`, (when momentum > 0)
        `self.momentum_buffers[i]`, and `p` (in place).
        """
        grads = self._check_grads(grads)
        self.t += 1
        for i, (p, g) in enumerate(zip(self.params, grads)):
            ### BEGIN SOLUTION
            if self.weight_decay != 0.0:
                g = g + self.weight_decay * p
            alpha = self.alpha
            self.square_avgs[i] = alpha * self.square_avgs[i] + (1.0 - alpha) * g * g
            avg = np.sqrt(self.square_avgs[i]) + self.eps
            if self.momentum > 0.0:
                self.momentum_buffers[i] = self.momentum * self.momentum_buffers[i] + g / avg
                p -= self.lr * self.momentum_buffers[i]
            else:
                p -= self.lr * g / avg
            ### END SOLUTION


class Adam(Optimizer):
    """Adam: momentum on g plus RMSprop-style scaling, both bias-corrected.

    torch.optim.Adam's rule (weight decay is COUPLED: the L2 penalty's gradient
    is added to g first, so it enters both moments). m, the first moment
    estimate, is the moving average (decay beta1) of the gradients; v, the
    second moment estimate, the moving average (decay beta2) of their squares.
    Both start at zero and are therefore biased towards zero early on: the
    step uses their bias-corrected values (see the README for why), dividing
    the corrected m by the square root of the corrected v, with eps added
    AFTER the root, and moves p by lr times that.

    State: self.exp_avgs[i] (m) and self.exp_avg_sqs[i] (v), zeros at the
    start; self.t is the step counter t (already incremented for this step).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr)
        beta1, beta2 = betas
        _check_unit("beta1", beta1)
        _check_unit("beta2", beta2)
        _check_nonneg("eps", eps)
        _check_nonneg("weight_decay", weight_decay)
        self.betas = (float(beta1), float(beta2))
        self.eps = float(eps)
        self.weight_decay = float(weight_decay)
        self.exp_avgs = [np.zeros_like(p, dtype=np.float64) for p in self.params]
        self.exp_avg_sqs = [np.zeros_like(p, dtype=np.float64) for p in self.params]

    def step(self, grads):
        """Apply one Adam update to every parameter, in place.

        Inputs:
        - grads: list of arrays, grads[i] shaped like self.params[i]

        Fill the blank: update `self.exp_avgs[i]`, `self.exp_avg_sqs[i]` and
        `p` (in place); use `t` for the bias corrections.
        """
        grads = self._check_grads(grads)
        self.t += 1
        t = self.t
        beta1, beta2 = self.betas
        for i, (p, g) in enumerate(zip(self.params, grads)):
            ### BEGIN SOLUTION
            if self.weight_decay != 0.0:
                g = g + self.weight_decay * p
            self.exp_avgs[i] = beta1 * self.exp_avgs[i] + (1.0 - beta1) * g
            self.exp_avg_sqs[i] = beta2 * self.exp_avg_sqs[i] + (1.0 - beta2) * g * g
            m_hat = self.exp_avgs[i] / (1.0 - beta1**t)
            v_hat = self.exp_avg_sqs[i] / (1.0 - beta2**t)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
            ### END SOLUTION


class AdamW(Optimizer):
    """AdamW: Adam with DECOUPLED weight decay (Loshchilov and Hutter).

    torch.optim.AdamW's rule: the decay is DECOUPLED. First, every step, p
    itself shrinks by the factor 1 - lr * wd (torch's form, with lr in it);
    then comes exactly Adam's step (moments, bias correction, eps after the
    root) with the untouched gradient, which never sees wd.

    State: as Adam (self.exp_avgs, self.exp_avg_sqs, self.t).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr)
        beta1, beta2 = betas
        _check_unit("beta1", beta1)
        _check_unit("beta2", beta2)
        _check_nonneg("eps", eps)
        _check_nonneg("weight_decay", weight_decay)
        self.betas = (float(beta1), float(beta2))
        self.eps = float(eps)
        self.weight_decay = float(weight_decay)
        self.exp_avgs = [np.zeros_like(p, dtype=np.float64) for p in self.params]
        self.exp_avg_sqs = [np.zeros_like(p, dtype=np.float64) for p in self.params]

    def step(self, grads):
        """Apply one AdamW update to every parameter, in place.

        Inputs:
        - grads: list of arrays, grads[i] shaped like self.params[i]

        Fill the blank: update `self.exp_avgs[i]`, `self.exp_avg_sqs[i]` and
        `p` (in place); the gradient g itself is never changed by weight decay.
        """
        grads = self._check_grads(grads)
        self.t += 1
        t = self.t
        beta1, beta2 = self.betas
        for i, (p, g) in enumerate(zip(self.params, grads)):
            ### BEGIN SOLUTION
            p *= 1.0 - self.lr * self.weight_decay
            self.exp_avgs[i] = beta1 * self.exp_avgs[i] + (1.0 - beta1) * g
            self.exp_avg_sqs[i] = beta2 * self.exp_avg_sqs[i] + (1.0 - beta2) * g * g
            bias_correction1 = 1.0 - beta1**t
            bias_correction2 = 1.0 - beta2**t
            denom = np.sqrt(self.exp_avg_sqs[i] / bias_correction2) + self.eps
            p -= self.lr * (self.exp_avgs[i] / bias_correction1) / denom
            ### END SOLUTION


# ----------------------------------------------------------------------------
# Gradient clipping
# ----------------------------------------------------------------------------


def clip_grad_norm(grads, max_norm):
    """Rescale a list of gradients IN PLACE so that their joint L2 norm is at most max_norm.

    torch.nn.utils.clip_grad_norm_ semantics (norm_type=2):

        total_norm = sqrt(sum over all arrays and all entries of g ** 2)
        coef       = min(max_norm / (total_norm + 1e-6), 1.0)
        every g   *= coef                          (in place)

    One norm over ALL gradients together, not one per array, so the direction
    of the full gradient vector is kept. The 1e-6 guards against a zero norm.

    Inputs:
    - grads: list of float64 arrays (any shapes); modified in place
    - max_norm: float > 0

    Returns:
    - total_norm: float, the norm of the gradients BEFORE clipping

    Fill the blank: compute `total_norm` and scale every array of grads in place.
    """
    grads = list(grads)
    if max_norm <= 0.0:
        raise ValueError(f"max_norm must be positive, got {max_norm}")
    if not grads:
        return 0.0
    ### BEGIN SOLUTION
    total_norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
    coef = min(max_norm / (total_norm + 1e-6), 1.0)
    for g in grads:
        g *= coef
    ### END SOLUTION
    return float(total_norm)


# ----------------------------------------------------------------------------
# Learning-rate schedules (pure functions of the 0-based step index)
# ----------------------------------------------------------------------------


def warmup_cosine(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    """Linear warmup from 0, then cosine decay from base_lr down to min_lr.

        step < warmup_steps:                lr = base_lr · step / warmup_steps
        warmup_steps <= step < total_steps: progress = (step - warmup_steps)
                                                       / (total_steps - warmup_steps)
                                            lr = min_lr + (base_lr − min_lr)
                                                 · ½ · (1 + cos(π·progress))
        step >= total_steps:                lr = min_lr

    The warmup is the one of transformers' get_cosine_schedule_with_warmup and
    of the quizzes: step 0 has lr 0 and step == warmup_steps reaches base_lr
    exactly. The cnn assignment's lr_schedule counts updates from 1 instead
    (its first update is not spent at lr 0): its factor for update `step` is
    warmup_cosine(step + 1, 1.0, warmup_steps, total_steps), one step ahead.

    Inputs:
    - step: int >= 0, the number of optimizer steps taken so far
    - base_lr: peak learning rate
    - warmup_steps: int >= 0 (0 means no warmup)
    - total_steps: int > warmup_steps, where the cosine reaches min_lr
    - min_lr: floor of the decay

    Returns:
    - lr: float

    Fill the blank: set `lr`.
    """
    if step < 0:
        raise ValueError(f"step must be >= 0, got {step}")
    if not 0 <= warmup_steps < total_steps:
        raise ValueError("need 0 <= warmup_steps < total_steps")
    ### BEGIN SOLUTION
    if step < warmup_steps:
        lr = base_lr * step / warmup_steps
    elif step < total_steps:
        progress = (step - warmup_steps) / (total_steps - warmup_steps)
        lr = min_lr + (base_lr - min_lr) * 0.5 * (1.0 + math.cos(math.pi * progress))
    else:
        lr = min_lr
    ### END SOLUTION
    return float(lr)


def warmup_inverse_sqrt(step, base_lr, warmup_steps):
    """Linear warmup from 0, then decay proportional to 1 / sqrt(step).

        step < warmup_steps:  lr = base_lr · step / warmup_steps
        step >= warmup_steps: lr = base_lr · √(warmup_steps / step)

    Both pieces equal base_lr at step == warmup_steps (the "Noam" schedule of
    the original Transformer, written with base_lr as the peak).

    Inputs:
    - step: int >= 0
    - base_lr: peak learning rate
    - warmup_steps: int >= 1

    Returns:
    - lr: float

    Fill the blank: set `lr`.
    """
    if step < 0:
        raise ValueError(f"step must be >= 0, got {step}")
    if warmup_steps < 1:
        raise ValueError(f"warmup_steps must be >= 1, got {warmup_steps}")
    ### BEGIN SOLUTION
    if step < warmup_steps:
        lr = base_lr * step / warmup_steps
    else:
        lr = base_lr * math.sqrt(warmup_steps / step)
    ### END SOLUTION
    return float(lr)


def step_decay(step, base_lr, step_size, gamma):
    """Multiply the learning rate by gamma once every step_size steps.

        lr(step) = base_lr * gamma^floor(step / step_size)

    This is torch.optim.lr_scheduler.StepLR: after `step` calls of
    scheduler.step(), get_last_lr() returns this value.

    Inputs:
    - step: int >= 0
    - base_lr: initial learning rate
    - step_size: int >= 1, the period of the decay
    - gamma: the decay factor

    Returns:
    - lr: float

    Fill the blank: set `lr`.
    """
    if step < 0:
        raise ValueError(f"step must be >= 0, got {step}")
    if step_size < 1:
        raise ValueError(f"step_size must be >= 1, got {step_size}")
    ### BEGIN SOLUTION
    lr = base_lr * gamma ** (step // step_size)
    ### END SOLUTION
    return float(lr)
