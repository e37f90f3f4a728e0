"""Normalization layers: batch norm, spatial batch norm, layer norm and group norm.

Every layer here standardises some slice of its input to zero mean and unit
variance, then applies a learned per-feature scale `gamma` and shift `beta`.
The layers differ only in *which* entries share one mean and variance.

Dimension letters used in the docstrings:
- N: batch size (number of examples)
- D: number of features of a flat input
- C: number of channels of an image-like input
- H, W: spatial height and width
- G: number of groups (group norm); every group holds C // G channels

All arrays are float64 numpy arrays. No function modifies its array arguments;
the batch-norm forward pass stores *new* running statistics in the `bn_param`
dict it is given (that dict is the layer's state).
"""

from __future__ import annotations

import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of batch normalization (torch's F.batch_norm).

    In train mode the mean and the *biased* variance of the mini-batch
    normalise x, and the running statistics move towards the batch statistics:
        running = (1 - momentum) * running + momentum * batch
    where the running variance is fed the *unbiased* batch variance (divided by
    N - 1), as torch does. In eval mode the running statistics normalise x and
    nothing is updated.

    Inputs:
    - x: data of shape (N, D)
    - gamma: scale of shape (D,)
    - beta: shift of shape (D,)
    - bn_param: dict with keys
      - mode: 'train' or 'eval' (required)
      - eps: constant added to the variance for stability (default 1e-5)
      - momentum: weight of the new batch statistics (default 0.1)
      - running_mean: array of shape (D,) (default zeros)
      - running_var: array of shape (D,) (default ones)
      In train mode new arrays are stored under running_mean and running_var;
      the arrays that were there are not modified.

    Returns a tuple of:
    - out: normalised, scaled and shifted data of shape (N, D)
    - cache: whatever batchnorm_backward needs
    """
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.1)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.ones(D, dtype=x.dtype))

    if mode == "train":
        if N < 2:
            raise ValueError("batchnorm in train mode needs more than one value per feature")
        # Blank: fill `xhat` (x normalised with the batch statistics), `std`
        # (the (D,) array sqrt(var + eps) that divided x - mean), `out`, and the
        # updated `running_mean` and `running_var`.
        # YOUR CODE HERE
        raise NotImplementedError("normalization/batchnorm_forward: fill in this blank (see its docstring)")
        bn_param["running_mean"] = running_mean
        bn_param["running_var"] = running_var
    elif mode == "eval":
        # Blank: fill `xhat` (x normalised with the running statistics), `std`
        # (the (D,) array sqrt(running_var + eps)) and `out`.
        # YOUR CODE HERE
        raise NotImplementedError("normalization/batchnorm_forward: fill in this blank (see its docstring)")
    else:
        raise ValueError(f"invalid batchnorm mode {mode!r}: use 'train' or 'eval'")

    cache = (mode, xhat, gamma, std)
    return out, cache


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization.

    In train mode the batch mean and variance are functions of x, and the
    gradient flows through them too. In eval mode they are constants (the
    running statistics), so x reaches the output through one elementwise
    affine map per feature. Deriving dx is the task; hints:
    `dlcourse hint normalization batchnorm_backward`.

    Inputs:
    - dout: upstream gradient of shape (N, D)
    - cache: the cache of batchnorm_forward

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, D)
    - dgamma: gradient with respect to gamma, of shape (D,)
    - dbeta: gradient with respect to beta, of shape (D,)
    """
    mode, xhat, gamma, std = cache

    # Blank: fill `dgamma` and `dbeta` (the same in both modes).
    # YOUR CODE HERE
    raise NotImplementedError("normalization/batchnorm_backward: fill in this blank (see its docstring)")
    if mode == "train":
        # Blank: fill `dx`, remembering that the mean and the variance depend on x.
        # YOUR CODE HERE
        raise NotImplementedError("normalization/batchnorm_backward: fill in this blank (see its docstring)")
    elif mode == "eval":
        # Blank: fill `dx`; here the statistics are constants.
        # YOUR CODE HERE
        raise NotImplementedError("normalization/batchnorm_backward: fill in this blank (see its docstring)")
    else:
        raise ValueError(f"invalid batchnorm mode {mode!r}: use 'train' or 'eval'")
    return dx, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of spatial batch normalization (torch's BatchNorm2d).

    One mean and one variance per channel, taken over the batch and over every
    spatial position: N * H * W values share them. bn_param works exactly as
    in batchnorm_forward, with running statistics of shape (C,).

    Inputs:
    - x: data of shape (N, C, H, W)
    - gamma: scale of shape (C,)
    - beta: shift of shape (C,)
    - bn_param: dict as for batchnorm_forward

    Returns a tuple of:
    - out: output of shape (N, C, H, W)
    - cache: whatever spatial_batchnorm_backward needs
    """
    N, C, H, W = x.shape
    # Blank: fill `out` (N, C, H, W) and `bn_cache` (the cache of the batchnorm
    # call you build it on). Hint: reuse batchnorm_forward on a 2-D view.
    # YOUR CODE HERE
    raise NotImplementedError("normalization/spatial_batchnorm_forward: fill in this blank (see its docstring)")
    cache = (bn_cache, (N, C, H, W))
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    """Backward pass of spatial batch normalization.

    The forward pass was a view, a batch norm and the view undone: go back
    through the same three steps in reverse. Hints:
    `dlcourse hint normalization spatial_batchnorm_backward`.

    Inputs:
    - dout: upstream gradient of shape (N, C, H, W)
    - cache: the cache of spatial_batchnorm_forward

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    - dgamma: gradient with respect to gamma, of shape (C,)
    - dbeta: gradient with respect to beta, of shape (C,)
    """
    bn_cache, (N, C, H, W) = cache
    # Blank: fill `dx`, `dgamma` and `dbeta` (reuse batchnorm_backward).
    # YOUR CODE HERE
    raise NotImplementedError("normalization/spatial_batchnorm_backward: fill in this blank (see its docstring)")
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, eps=1e-5):
    """Forward pass of layer normalization (torch's F.layer_norm over the last axis).

    Every example is normalised on its own, with the mean and the biased
    variance of its D features. The same computation runs in train and eval
    mode, and there are no running statistics.

    Inputs:
    - x: data of shape (N, D); any leading shape (..., D) works the same way
    - gamma: scale of shape (D,)
    - beta: shift of shape (D,)
    - eps: constant added to the variance for stability

    Returns a tuple of:
    - out: output of the shape of x
    - cache: whatever layernorm_backward needs
    """
    # Blank: fill `xhat` (x normalised over its last axis), `std` (sqrt(var + eps)
    # with shape (..., 1)) and `out`.
    # YOUR CODE HERE
    raise NotImplementedError("normalization/layernorm_forward: fill in this blank (see its docstring)")
    cache = (xhat, gamma, std)
    return out, cache


def layernorm_backward(dout, cache):
    """Backward pass of layer normalization.

    The same derivation as batch norm's train mode, with the statistics over the
    last axis; dgamma and dbeta collect from every leading position. Hints:
    `dlcourse hint normalization layernorm_backward`.

    Inputs:
    - dout: upstream gradient of the shape of x, (N, D) or (..., D)
    - cache: the cache of layernorm_forward

    Returns a tuple of:
    - dx: gradient with respect to x, of the shape of x
    - dgamma: gradient with respect to gamma, of shape (D,)
    - dbeta: gradient with respect to beta, of shape (D,)
    """
    xhat, gamma, std = cache
    lead = tuple(range(dout.ndim - 1))  # every axis but the feature axis
    # Blank: fill `dx`, `dgamma` and `dbeta`.
    # YOUR CODE HERE
    raise NotImplementedError("normalization/layernorm_backward: fill in this blank (see its docstring)")
    return dx, dgamma, dbeta


def groupnorm_forward(x, gamma, beta, groups, eps=1e-5):
    """Forward pass of group normalization (torch's F.group_norm).

    The C channels are cut into G = `groups` contiguous groups of C // G
    channels. Each example and each group gets its own mean and biased
    variance, taken over the group's channels and all spatial positions. Then
    every channel is scaled and shifted by its own gamma and beta.

    Inputs:
    - x: data of shape (N, C, H, W) (any trailing spatial shape works too)
    - gamma: scale of shape (C,)
    - beta: shift of shape (C,)
    - groups: G, the number of groups; it must divide C
    - eps: constant added to the variance for stability

    Returns a tuple of:
    - out: output of shape (N, C, H, W)
    - cache: whatever groupnorm_backward needs
    """
    N, C = x.shape[:2]
    if C % groups != 0:
        raise ValueError(f"groups={groups} does not divide the {C} channels")
    bshape = (1, C) + (1,) * (x.ndim - 2)  # gamma and beta broadcast over N, H, W
    # Blank: fill `xhat` (normalised x, shape (N, C, H, W)), `std` (sqrt(var + eps)
    # with shape (N, G, 1)) and `out`.
    # YOUR CODE HERE
    raise NotImplementedError("normalization/groupnorm_forward: fill in this blank (see its docstring)")
    cache = (xhat, gamma, std, groups)
    return out, cache


def groupnorm_backward(dout, cache):
    """Backward pass of group normalization.

    In the (N, G, C // G * H * W) view the normalisation is a layer norm over
    the last axis; gamma and beta act per channel. Hints:
    `dlcourse hint normalization groupnorm_backward`.

    Inputs:
    - dout: upstream gradient of shape (N, C, H, W)
    - cache: the cache of groupnorm_forward

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, C, H, W)
    - dgamma: gradient with respect to gamma, of shape (C,)
    - dbeta: gradient with respect to beta, of shape (C,)
    """
    xhat, gamma, std, groups = cache
    N, C = dout.shape[:2]
    bshape = (1, C) + (1,) * (dout.ndim - 2)
    axes = (0,) + tuple(range(2, dout.ndim))  # every axis but the channel axis
    # Blank: fill `dx`, `dgamma` and `dbeta`.
    # YOUR CODE HERE
    raise NotImplementedError("normalization/groupnorm_backward: fill in this blank (see its docstring)")
    return dx, dgamma, dbeta
