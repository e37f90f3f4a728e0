"""Public checks of the normalization assignment (they ship with the assignment).

Run them with `dlcourse check normalization`. The hidden checks test the same
tasks on other shapes, options and random inputs.
"""

import pytest

from autograder.checkkit import check_backward, check_backward_numeric, check_forward
from autograder.checks.normalization.common import (
    affine,
    bn_inputs,
    bn_state,
    check_state,
    spatial_bn_state,
)


@pytest.mark.task("batchnorm_forward")
@pytest.mark.points(3)
@pytest.mark.parametrize("shape", [(8, 5), (3, 4)], ids=["8x5", "3x4"])
def test_batchnorm_forward_train(sub, oracle, rng, shape):
    """batchnorm_forward in train mode: output and running statistics"""
    check_state(sub, oracle, bn_state, "batchnorm_forward", *bn_inputs(rng, shape, "train", 0.2))


@pytest.mark.task("batchnorm_forward")
@pytest.mark.points(2)
def test_batchnorm_forward_eval(sub, oracle, rng):
    """batchnorm_forward in eval mode uses the running statistics and leaves them alone"""
    check_state(sub, oracle, bn_state, "batchnorm_forward", *bn_inputs(rng, (6, 4), "eval"))


@pytest.mark.task("batchnorm_backward")
@pytest.mark.points(3)
def test_batchnorm_backward_train(sub, oracle, rng):
    """batchnorm_backward in train mode matches the reference"""
    args = bn_inputs(rng, (7, 4), "train")
    dout = rng.normal(size=(7, 4))
    check_backward(
        sub, oracle, "batchnorm_forward", "batchnorm_backward", args, dout,
        grads=("dx", "dgamma", "dbeta"),
    )  # fmt: skip


@pytest.mark.task("batchnorm_backward")
@pytest.mark.points(2)
def test_batchnorm_backward_numeric(sub, oracle, rng):
    """batchnorm_backward agrees with numerical gradients of your batchnorm_forward"""
    args = bn_inputs(rng, (4, 3), "train")
    dout = rng.normal(size=(4, 3))
    check_backward_numeric(
        sub, "batchnorm_forward", "batchnorm_backward", args, dout,
        wrt={0: 0, 1: 1, 2: 2}, grads=("dx", "dgamma", "dbeta"), oracle=oracle,
    )  # fmt: skip


@pytest.mark.task("batchnorm_backward")
@pytest.mark.points(2)
def test_batchnorm_backward_eval(sub, oracle, rng):
    """batchnorm_backward after an eval-mode forward matches the reference"""
    args = bn_inputs(rng, (5, 3), "eval")
    dout = rng.normal(size=(5, 3))
    check_backward(
        sub, oracle, "batchnorm_forward", "batchnorm_backward", args, dout,
        grads=("dx", "dgamma", "dbeta"),
    )  # fmt: skip


@pytest.mark.task("spatial_batchnorm_forward")
@pytest.mark.points(2)
def test_spatial_batchnorm_forward(sub, oracle, rng):
    """spatial_batchnorm_forward in train mode: output and running statistics"""
    args = bn_inputs(rng, (2, 3, 4, 5), "train")
    check_state(sub, oracle, spatial_bn_state, "spatial_batchnorm_forward", *args)


@pytest.mark.task("spatial_batchnorm_backward")
@pytest.mark.points(2)
def test_spatial_batchnorm_backward(sub, oracle, rng):
    """spatial_batchnorm_backward matches the reference"""
    args = bn_inputs(rng, (2, 3, 4, 5), "train")
    dout = rng.normal(size=(2, 3, 4, 5))
    check_backward(
        sub, oracle, "spatial_batchnorm_forward", "spatial_batchnorm_backward", args, dout,
        grads=("dx", "dgamma", "dbeta"),
    )  # fmt: skip


@pytest.mark.task("layernorm_forward")
@pytest.mark.points(2)
def test_layernorm_forward(sub, oracle, rng):
    """layernorm_forward matches the reference"""
    x = rng.normal(1.0, 2.0, size=(4, 6))
    check_forward(sub, oracle, "layernorm_forward", x, *affine(rng, 6))


@pytest.mark.task("layernorm_backward")
@pytest.mark.points(2)
def test_layernorm_backward(sub, oracle, rng):
    """layernorm_backward matches the reference"""
    args = (rng.normal(1.0, 2.0, size=(5, 4)), *affine(rng, 4))
    dout = rng.normal(size=(5, 4))
    check_backward(
        sub, oracle, "layernorm_forward", "layernorm_backward", args, dout,
        grads=("dx", "dgamma", "dbeta"),
    )  # fmt: skip


@pytest.mark.task("layernorm_backward")
@pytest.mark.points(2)
def test_layernorm_backward_numeric(sub, oracle, rng):
    """layernorm_backward agrees with numerical gradients of your layernorm_forward"""
    args = (rng.normal(size=(3, 4)), *affine(rng, 4))
    dout = rng.normal(size=(3, 4))
    check_backward_numeric(
        sub, "layernorm_forward", "layernorm_backward", args, dout,
        wrt={0: 0, 1: 1, 2: 2}, grads=("dx", "dgamma", "dbeta"), oracle=oracle,
    )  # fmt: skip


@pytest.mark.task("groupnorm_forward")
@pytest.mark.points(2)
def test_groupnorm_forward(sub, oracle, rng):
    """groupnorm_forward matches the reference (6 channels in 3 groups)"""
    x = rng.normal(0.5, 2.0, size=(2, 6, 3, 3))
    check_forward(sub, oracle, "groupnorm_forward", x, *affine(rng, 6), 3)


@pytest.mark.task("groupnorm_backward")
@pytest.mark.points(2)
def test_groupnorm_backward(sub, oracle, rng):
    """groupnorm_backward matches the reference"""
    args = (rng.normal(0.5, 2.0, size=(2, 4, 3, 2)), *affine(rng, 4), 2)
    dout = rng.normal(size=(2, 4, 3, 2))
    check_backward(
        sub, oracle, "groupnorm_forward", "groupnorm_backward", args, dout,
        grads=("dx", "dgamma", "dbeta"),
    )  # fmt: skip
