"""Public checks of the normalization assignment (they ship with the assignment).

Run them with `dlcourse check normalization`. The hidden checks test the same
tasks on other shapes, options and random inputs.
"""

import pytest

from autograder.checkkit import check_forward
from autograder.checks.normalization.common import (
    affine,
    backward_case,
    backward_numeric_case,
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
    backward_case(sub, oracle, rng, "batchnorm", bn_inputs(rng, (7, 4), "train"))


@pytest.mark.task("batchnorm_backward")
@pytest.mark.points(2)
def test_batchnorm_backward_numeric(sub, oracle, rng):
    """batchnorm_backward agrees with numerical gradients of your batchnorm_forward"""
    backward_numeric_case(sub, oracle, rng, "batchnorm", bn_inputs(rng, (4, 3), "train"))


@pytest.mark.task("batchnorm_backward")
@pytest.mark.points(2)
def test_batchnorm_backward_eval(sub, oracle, rng):
    """batchnorm_backward after an eval-mode forward matches the reference"""
    backward_case(sub, oracle, rng, "batchnorm", bn_inputs(rng, (5, 3), "eval"))


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
    backward_case(sub, oracle, rng, "spatial_batchnorm", bn_inputs(rng, (2, 3, 4, 5), "train"))


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
    backward_case(
        sub, oracle, rng, "layernorm", (rng.normal(1.0, 2.0, size=(5, 4)), *affine(rng, 4))
    )


@pytest.mark.task("layernorm_backward")
@pytest.mark.points(2)
def test_layernorm_backward_numeric(sub, oracle, rng):
    """layernorm_backward agrees with numerical gradients of your layernorm_forward"""
    backward_numeric_case(sub, oracle, rng, "layernorm", (rng.normal(size=(3, 4)), *affine(rng, 4)))


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
    backward_case(sub, oracle, rng, "groupnorm", args)
