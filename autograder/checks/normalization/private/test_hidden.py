"""Hidden checks of the normalization assignment (never shipped to students).

Inputs are drawn from the submission's seed, which results.json records, so a
grade can be reproduced exactly.
"""

import numpy as np
import pytest

from autograder.checkkit import CheckFailure, check_forward, compare, compare_all, msg
from autograder.checks.normalization.common import (
    affine,
    backward_case,
    backward_numeric_case,
    bn_inputs,
    bn_state,
    check_state,
    spatial_bn_state,
)

# (shape, momentum, eps, data scale): the smallest batch torch accepts, wide
# layers, a large eps, and data whose variance is far below eps.
BN_TRAIN_CASES = {
    "N2": ((2, 5), 0.1, 1e-5, 1.0),
    "wide": ((16, 12), 0.3, 1e-5, 1.0),
    "eps-0.1": ((6, 4), 0.05, 0.1, 1.0),
    "tiny-variance": ((9, 3), 0.1, 1e-5, 1e-3),
}


def bn_case(rng, case, mode="train"):
    shape, momentum, eps, scale = BN_TRAIN_CASES[case]
    x, gamma, beta, bn_param = bn_inputs(rng, shape, mode, momentum)
    x = x.mean(axis=0) + scale * (x - x.mean(axis=0))
    bn_param["eps"] = eps
    return x, gamma, beta, bn_param


@pytest.mark.task("batchnorm_forward")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", sorted(BN_TRAIN_CASES))
def test_batchnorm_forward_train(sub, oracle, rng, case):
    """batchnorm_forward in train mode: output and running statistics"""
    check_state(sub, oracle, bn_state, "batchnorm_forward", *bn_case(rng, case))


@pytest.mark.task("batchnorm_forward")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", ["N2", "eps-0.1"])
def test_batchnorm_forward_eval(sub, oracle, rng, case):
    """batchnorm_forward in eval mode uses the running statistics and leaves them alone"""
    check_state(sub, oracle, bn_state, "batchnorm_forward", *bn_case(rng, case, "eval"))


@pytest.mark.task("batchnorm_forward")
@pytest.mark.points(1)
def test_batchnorm_forward_eval_single_example(sub, oracle, rng):
    """batchnorm_forward in eval mode works on a batch of one example"""
    x, gamma, beta, bn_param = bn_inputs(rng, (1, 4), "eval")
    check_state(sub, oracle, bn_state, "batchnorm_forward", x, gamma, beta, bn_param)


def bn_training_run(module, batches, gamma, beta, bn_param, test_batch):
    """Harness: several training steps, then one eval-mode call on a test batch."""
    for x in batches:
        module.batchnorm_forward(x, gamma, beta, bn_param)
    bn_param["mode"] = "eval"
    out = module.batchnorm_forward(test_batch, gamma, beta, bn_param)[0]
    return out, bn_param.get("running_mean"), bn_param.get("running_var")


@pytest.mark.task("batchnorm_forward")
@pytest.mark.points(4)
def test_batchnorm_running_statistics_over_training(sub, oracle, rng):
    """running statistics after 6 training steps (default momentum), then eval mode"""
    D = 4
    batches = [rng.normal(2.0, 3.0, size=(5, D)) for _ in range(6)]
    gamma, beta = affine(rng, D)
    test_batch = rng.normal(2.0, 3.0, size=(3, D))
    bn_param = {"mode": "train"}  # running statistics start at their defaults
    args = (batches, gamma, beta, bn_param, test_batch)
    mistakes = oracle.candidates("batchnorm_forward", bn_training_run, *args)
    want = oracle.run(bn_training_run, *args)
    got = sub.run(bn_training_run, *args)
    call = msg(
        "normalization.training_run_call",
        "{count} x batchnorm_forward(x{shape}, gamma, beta, bn_param) in train mode starting from "
        "bn_param={{'mode': 'train'}}, then one call in eval mode",
        count=len(batches),
        shape=str(batches[0].shape),
    )
    names = (msg("normalization.eval_out", "eval out"), "running_mean", "running_var")
    compare_all(got, want, names, call=call, mistakes=mistakes)


def forward_and_inputs(module, name, args):
    """Harness: call a forward, return its output and the arguments as they are afterwards."""
    out = getattr(module, name)(*args)[0]
    return out, args


def keep_inputs_call(rng, name):
    """Arguments of one call of forward `name` (x, gamma, beta, then the rest)."""
    x2, x4 = rng.normal(size=(5, 4)), rng.normal(size=(2, 4, 3, 3))
    gamma, beta = affine(rng, 4)
    return {
        "batchnorm_forward": (x2, gamma, beta, {"mode": "train"}),
        "spatial_batchnorm_forward": (x4, gamma, beta, {"mode": "train"}),
        "layernorm_forward": (x2, gamma, beta),
        "groupnorm_forward": (x4, gamma, beta, 2),
    }[name]


FORWARDS = [
    "batchnorm_forward",
    "spatial_batchnorm_forward",
    "layernorm_forward",
    "groupnorm_forward",
]


@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.task(n), id=n) for n in FORWARDS]
)
def test_forward_keeps_inputs(sub, oracle, rng, name):
    """the forward pass is right and leaves x, gamma and beta unchanged"""
    args = keep_inputs_call(rng, name)
    want, _ = oracle.run(forward_and_inputs, name, list(args))
    got, after = sub.run(forward_and_inputs, name, list(args))
    call = msg("normalization.one_forward", "{name} (a forward pass)", name=name)
    compare(got, want, what="out", call=call)
    for label, before, now in zip(("x", "gamma", "beta"), args, after):
        if not np.array_equal(np.asarray(now), before):
            raise CheckFailure(
                msg(
                    "normalization.argument_modified",
                    "{name} modified its argument {label} in place; work on a copy",
                    name=name,
                    label=label,
                )
            )


BN_BACKWARD_CASES = {"N2": (2, 3), "square": (5, 5), "tall": (12, 3)}


def dout_scale(rng):
    """The scale of dout in the train-mode batchnorm_backward cases (drawn after dout)."""
    return rng.uniform(0.5, 3.0)


@pytest.mark.task("batchnorm_backward")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", sorted(BN_BACKWARD_CASES))
def test_batchnorm_backward_train(sub, oracle, rng, case):
    """batchnorm_backward in train mode matches the reference"""
    args = bn_inputs(rng, BN_BACKWARD_CASES[case], "train")
    backward_case(sub, oracle, rng, "batchnorm", args, dout_scale=dout_scale)


@pytest.mark.task("batchnorm_backward")
@pytest.mark.points(2)
def test_batchnorm_backward_eval(sub, oracle, rng):
    """batchnorm_backward after an eval-mode forward matches the reference"""
    backward_case(sub, oracle, rng, "batchnorm", bn_inputs(rng, (4, 6), "eval"))


@pytest.mark.task("batchnorm_backward")
@pytest.mark.points(3)
def test_batchnorm_backward_numeric(sub, oracle, rng):
    """batchnorm_backward agrees with numerical gradients of your batchnorm_forward"""
    backward_numeric_case(sub, oracle, rng, "batchnorm", bn_inputs(rng, (5, 2), "train"))


SPATIAL_CASES = {"1x1-pixels": (4, 3, 1, 1), "rect": (2, 4, 3, 5), "N1": (1, 2, 4, 4)}


@pytest.mark.task("spatial_batchnorm_forward")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", sorted(SPATIAL_CASES))
def test_spatial_batchnorm_forward_train(sub, oracle, rng, case):
    """spatial_batchnorm_forward in train mode: output and running statistics"""
    args = bn_inputs(rng, SPATIAL_CASES[case], "train", momentum=0.25)
    check_state(sub, oracle, spatial_bn_state, "spatial_batchnorm_forward", *args)


@pytest.mark.task("spatial_batchnorm_forward")
@pytest.mark.points(1)
def test_spatial_batchnorm_forward_eval(sub, oracle, rng):
    """spatial_batchnorm_forward in eval mode uses the running statistics"""
    args = bn_inputs(rng, (2, 3, 2, 3), "eval")
    check_state(sub, oracle, spatial_bn_state, "spatial_batchnorm_forward", *args)


@pytest.mark.task("spatial_batchnorm_backward")
@pytest.mark.points(2.5)
@pytest.mark.parametrize("case", ["rect", "N1"])
def test_spatial_batchnorm_backward(sub, oracle, rng, case):
    """spatial_batchnorm_backward matches the reference"""
    args = bn_inputs(rng, SPATIAL_CASES[case], "train")
    backward_case(sub, oracle, rng, "spatial_batchnorm", args)


# (shape, eps, data scale)
LN_CASES = {
    "one-example": ((1, 7), 1e-5, 1.0),
    "eps-0.1": ((4, 5), 0.1, 2.0),
    "tiny-variance": ((3, 8), 1e-5, 1e-3),
}


def ln_case(rng, case):
    shape, eps, scale = LN_CASES[case]
    x = rng.normal(size=shape) * scale + rng.normal(0, 2, size=(shape[0], 1))
    return (x, *affine(rng, shape[1])), {"eps": eps}


@pytest.mark.task("layernorm_forward")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", sorted(LN_CASES))
def test_layernorm_forward(sub, oracle, rng, case):
    """layernorm_forward matches the reference"""
    args, kwargs = ln_case(rng, case)
    check_forward(sub, oracle, "layernorm_forward", *args, **kwargs)


@pytest.mark.task("layernorm_backward")
@pytest.mark.points(2.5)
@pytest.mark.parametrize("case", ["one-example", "eps-0.1"])
def test_layernorm_backward(sub, oracle, rng, case):
    """layernorm_backward matches the reference"""
    args, kwargs = ln_case(rng, case)
    backward_case(sub, oracle, rng, "layernorm", args, kwargs)


@pytest.mark.task("layernorm_backward")
@pytest.mark.points(3)
def test_layernorm_backward_numeric(sub, oracle, rng):
    """layernorm_backward agrees with numerical gradients of your layernorm_forward"""
    backward_numeric_case(sub, oracle, rng, "layernorm", (rng.normal(size=(2, 5)), *affine(rng, 5)))


# (shape, groups, eps)
GN_CASES = {
    "G1": ((2, 4, 2, 3), 1, 1e-5),
    "G=C": ((2, 3, 3, 2), 3, 1e-5),
    "G2-of-8": ((3, 8, 2, 2), 2, 0.1),
    "1x1-pixels": ((2, 6, 1, 1), 3, 1e-5),
}


def gn_case(rng, case):
    shape, groups, eps = GN_CASES[case]
    x = rng.normal(size=shape) * rng.uniform(0.5, 3.0) + rng.normal(size=(1, shape[1], 1, 1))
    return (x, *affine(rng, shape[1]), groups), {"eps": eps}


@pytest.mark.task("groupnorm_forward")
@pytest.mark.points(1.5)
@pytest.mark.parametrize("case", sorted(GN_CASES))
def test_groupnorm_forward(sub, oracle, rng, case):
    """groupnorm_forward matches the reference"""
    args, kwargs = gn_case(rng, case)
    check_forward(sub, oracle, "groupnorm_forward", *args, **kwargs)


@pytest.mark.task("groupnorm_backward")
@pytest.mark.points(2.5)
@pytest.mark.parametrize("case", ["G1", "G2-of-8"])
def test_groupnorm_backward(sub, oracle, rng, case):
    """groupnorm_backward matches the reference"""
    args, kwargs = gn_case(rng, case)
    backward_case(sub, oracle, rng, "groupnorm", args, kwargs)


@pytest.mark.task("groupnorm_backward")
@pytest.mark.points(3)
def test_groupnorm_backward_numeric(sub, oracle, rng):
    """groupnorm_backward agrees with numerical gradients of your groupnorm_forward"""
    args = (rng.normal(size=(1, 4, 2, 2)), *affine(rng, 4), 2)
    backward_numeric_case(sub, oracle, rng, "groupnorm", args)
