"""Does the normalization reference agree with PyTorch (float64) forward and backward?

torch is the oracle: F.batch_norm (train and eval, running statistics),
BatchNorm2d semantics for the spatial version, F.layer_norm and F.group_norm.
Gradients come from torch.autograd with a random upstream gradient.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numerics import close, tensors

from autograder.paths import load_reference

ref = load_reference("normalization")

RTOL = 1e-8
ATOL = 1e-10


def random_params(rng, width):
    gamma = rng.normal(1.0, 0.5, size=width)
    beta = rng.normal(0.0, 0.5, size=width)
    return gamma, beta


def torch_batchnorm(x, gamma, beta, running_mean, running_var, train, momentum, eps, dout):
    """Run F.batch_norm; return out, dx, dgamma, dbeta and the new running statistics."""
    rm = torch.tensor(running_mean, dtype=torch.float64)
    rv = torch.tensor(running_var, dtype=torch.float64)
    xt, gt, bt = tensors(x, gamma, beta)
    out = F.batch_norm(xt, rm, rv, gt, bt, training=train, momentum=momentum, eps=eps)
    out.backward(torch.tensor(dout))
    return out, xt.grad, gt.grad, bt.grad, rm.numpy(), rv.numpy()


@pytest.mark.parametrize("shape", [(2, 3), (7, 5), (64, 16)])
@pytest.mark.parametrize("momentum", [0.1, 0.3])
@pytest.mark.parametrize("eps", [1e-5, 1e-2])
def test_batchnorm_train_matches_torch(shape, momentum, eps):
    """Do train-mode output, running statistics and all gradients match F.batch_norm?"""
    rng = np.random.default_rng(hash((shape, momentum, eps)) % 2**32)
    N, D = shape
    x = rng.normal(2.0, 3.0, size=shape)
    gamma, beta = random_params(rng, D)
    rm, rv = rng.normal(size=D), rng.uniform(0.5, 2.0, size=D)
    dout = rng.normal(size=shape)
    bn_param = {"mode": "train", "momentum": momentum, "eps": eps}
    bn_param.update(running_mean=rm.copy(), running_var=rv.copy())

    out, cache = ref.batchnorm_forward(x, gamma, beta, bn_param)
    dx, dgamma, dbeta = ref.batchnorm_backward(dout, cache)
    want = torch_batchnorm(x, gamma, beta, rm, rv, True, momentum, eps, dout)
    for got, expected in zip((out, dx, dgamma, dbeta), want[:4]):
        close(got, expected)
    close(bn_param["running_mean"], want[4])
    close(bn_param["running_var"], want[5])


def test_batchnorm_default_running_statistics():
    """Without running statistics in bn_param, do they start at zeros and ones like torch's?"""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(10, 4))
    gamma, beta = random_params(rng, 4)
    bn_param = {"mode": "train"}
    ref.batchnorm_forward(x, gamma, beta, bn_param)
    want = torch_batchnorm(x, gamma, beta, np.zeros(4), np.ones(4), True, 0.1, 1e-5, x)
    close(bn_param["running_mean"], want[4])
    close(bn_param["running_var"], want[5])


def test_batchnorm_running_statistics_over_many_steps():
    """Do running statistics follow torch's BatchNorm1d over 20 training steps?"""
    rng = np.random.default_rng(2)
    layer = torch.nn.BatchNorm1d(6, momentum=0.2, dtype=torch.float64)
    bn_param = {"mode": "train", "momentum": 0.2}
    gamma, beta = np.ones(6), np.zeros(6)
    for _ in range(20):
        x = rng.normal(3.0, 2.0, size=(8, 6))
        ref.batchnorm_forward(x, gamma, beta, bn_param)
        layer(torch.tensor(x))
    close(bn_param["running_mean"], layer.running_mean)
    close(bn_param["running_var"], layer.running_var)


@pytest.mark.parametrize("shape", [(1, 3), (6, 4)])
def test_batchnorm_eval_matches_torch(shape):
    """Does eval mode use the running statistics, leave them alone, and match torch's gradients?"""
    rng = np.random.default_rng(3)
    N, D = shape
    x = rng.normal(size=shape)
    gamma, beta = random_params(rng, D)
    rm, rv = rng.normal(size=D), rng.uniform(0.5, 2.0, size=D)
    dout = rng.normal(size=shape)
    bn_param = {"mode": "eval", "running_mean": rm.copy(), "running_var": rv.copy()}

    out, cache = ref.batchnorm_forward(x, gamma, beta, bn_param)
    dx, dgamma, dbeta = ref.batchnorm_backward(dout, cache)
    want = torch_batchnorm(x, gamma, beta, rm, rv, False, 0.1, 1e-5, dout)
    for got, expected in zip((out, dx, dgamma, dbeta), want[:4]):
        close(got, expected)
    np.testing.assert_array_equal(bn_param["running_mean"], rm)
    np.testing.assert_array_equal(bn_param["running_var"], rv)


def test_batchnorm_rejects_bad_mode_and_single_example():
    """Is an unknown mode, or train mode with one example, a ValueError (torch refuses N=1 too)?"""
    x = np.ones((4, 2))
    with pytest.raises(ValueError):
        ref.batchnorm_forward(x, np.ones(2), np.zeros(2), {"mode": "test"})
    with pytest.raises(ValueError):
        ref.batchnorm_forward(x[:1], np.ones(2), np.zeros(2), {"mode": "train"})


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (1, 2, 3, 3), (5, 4, 1, 1)])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_spatial_batchnorm_matches_torch(shape, mode):
    """Does spatial batchnorm match F.batch_norm on (N, C, H, W), statistics per channel?"""
    rng = np.random.default_rng(4)
    C = shape[1]
    x = rng.normal(-1.0, 2.0, size=shape)
    gamma, beta = random_params(rng, C)
    rm, rv = rng.normal(size=C), rng.uniform(0.5, 2.0, size=C)
    dout = rng.normal(size=shape)
    bn_param = {"mode": mode, "momentum": 0.25, "running_mean": rm.copy(), "running_var": rv.copy()}

    out, cache = ref.spatial_batchnorm_forward(x, gamma, beta, bn_param)
    dx, dgamma, dbeta = ref.spatial_batchnorm_backward(dout, cache)
    want = torch_batchnorm(x, gamma, beta, rm, rv, mode == "train", 0.25, 1e-5, dout)
    for got, expected in zip((out, dx, dgamma, dbeta), want[:4]):
        close(got, expected)
    close(bn_param["running_mean"], want[4])
    close(bn_param["running_var"], want[5])


@pytest.mark.parametrize("shape", [(4, 5), (1, 7), (3, 2, 6), (2, 3, 4, 8)])
@pytest.mark.parametrize("eps", [1e-5, 0.1])
def test_layernorm_matches_torch(shape, eps):
    """Does layernorm match F.layer_norm over the last axis, for any leading shape?"""
    rng = np.random.default_rng(5)
    D = shape[-1]
    x = rng.normal(1.0, 2.0, size=shape)
    gamma, beta = random_params(rng, D)
    dout = rng.normal(size=shape)

    out, cache = ref.layernorm_forward(x, gamma, beta, eps=eps)
    dx, dgamma, dbeta = ref.layernorm_backward(dout, cache)
    xt, gt, bt = tensors(x, gamma, beta)
    want = F.layer_norm(xt, (D,), gt, bt, eps=eps)
    want.backward(torch.tensor(dout))
    for got, expected in zip((out, dx, dgamma, dbeta), (want, xt.grad, gt.grad, bt.grad)):
        close(got, expected)


@pytest.mark.parametrize(
    ("shape", "groups"),
    [((2, 6, 3, 4), 3), ((2, 6, 3, 4), 1), ((2, 6, 3, 4), 6), ((3, 8, 1, 5), 2), ((1, 4, 2, 2), 2)],
)
@pytest.mark.parametrize("eps", [1e-5, 0.1])
def test_groupnorm_matches_torch(shape, groups, eps):
    """Does groupnorm match F.group_norm, with one group, one channel per group and in between?"""
    rng = np.random.default_rng(6)
    C = shape[1]
    x = rng.normal(0.5, 2.0, size=shape)
    gamma, beta = random_params(rng, C)
    dout = rng.normal(size=shape)

    out, cache = ref.groupnorm_forward(x, gamma, beta, groups, eps=eps)
    dx, dgamma, dbeta = ref.groupnorm_backward(dout, cache)
    xt, gt, bt = tensors(x, gamma, beta)
    want = F.group_norm(xt, groups, gt, bt, eps=eps)
    want.backward(torch.tensor(dout))
    for got, expected in zip((out, dx, dgamma, dbeta), (want, xt.grad, gt.grad, bt.grad)):
        close(got, expected)


def test_groupnorm_rejects_groups_that_do_not_divide_channels():
    """Is a group count that does not divide C a ValueError?"""
    with pytest.raises(ValueError):
        ref.groupnorm_forward(np.ones((1, 6, 2, 2)), np.ones(6), np.zeros(6), 4)


def test_small_variance_inputs_match_torch():
    """With a variance far below eps, does eps sit inside the square root as in torch?"""
    rng = np.random.default_rng(7)
    x = 1e-4 * rng.normal(size=(6, 4))
    gamma, beta = random_params(rng, 4)
    out, _ = ref.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    want = torch_batchnorm(x, gamma, beta, np.zeros(4), np.ones(4), True, 0.1, 1e-5, x)
    close(out, want[0])
    out, _ = ref.layernorm_forward(x, gamma, beta)
    close(out, F.layer_norm(torch.tensor(x), (4,), torch.tensor(gamma), torch.tensor(beta)))


def test_no_argument_is_modified():
    """Do forward and backward leave every argument array (running statistics too) as it was?"""
    rng = np.random.default_rng(8)
    x2, x4 = rng.normal(size=(5, 4)), rng.normal(size=(2, 4, 3, 3))
    gamma, beta = random_params(rng, 4)
    rm, rv = rng.normal(size=4), rng.uniform(0.5, 2.0, size=4)
    arrays = [x2, x4, gamma, beta, rm, rv]
    copies = [a.copy() for a in arrays]

    for mode in ("train", "eval"):
        bn_param = {"mode": mode, "running_mean": rm, "running_var": rv}
        _, cache = ref.batchnorm_forward(x2, gamma, beta, bn_param)
        ref.batchnorm_backward(x2, cache)
        bn_param = {"mode": mode, "running_mean": rm, "running_var": rv}
        _, cache = ref.spatial_batchnorm_forward(x4, gamma, beta, bn_param)
        ref.spatial_batchnorm_backward(x4, cache)
    _, cache = ref.layernorm_forward(x2, gamma, beta)
    ref.layernorm_backward(x2, cache)
    _, cache = ref.groupnorm_forward(x4, gamma, beta, 2)
    ref.groupnorm_backward(x4, cache)

    for array, copy in zip(arrays, copies):
        np.testing.assert_array_equal(array, copy)
