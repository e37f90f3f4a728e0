"""The cnn training check: SmallCNN trained end to end by the student's fit, judged by the grader.

The worker is where the student's code runs, so nothing it reports about its
run is taken on trust. The harness hands the student's fit a SmallCNN holding
weights the grader drew and batches the grader built, and sends back what fit
returned (the history) and the parameters of that very model by name. Then,
in the grader's process, with its own SmallCNN and its own run of the task
(`private/replay.py`, on the grading host only):

1. the held-out images (never sent to the worker) are classified by the
   grader's SmallCNN with the returned weights: a model whose forward was
   replaced, or a copy trained instead of the given model, leaves the given
   weights as they were and scores at chance;
2. the weights must have moved from the ones the model was given;
3. the history's last validation loss and accuracy must be those of the
   returned weights (the grader recomputes them): the history describes the
   model fit returned;
4. the run is replayed from the same weights over the same batches in the same
   order (AdamW, warmup over the first epoch, then a cosine per update): the
   returned weights, every history entry and the learning rate of every AdamW
   update must be the replay's. Weights written without gradient steps, other
   updates or another schedule land elsewhere.

The reference is asked only when the accuracy falls short, to say what it reaches.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checkkit import CheckFailure, Message, Oracle, Submission, compare_all, msg
from autograder.checks.cnn.harness import run_cnn
from autograder.checks.cnn.inputs import smallcnn_init_state, smallcnn_shapes, synthetic_digits


def _floats(value: Any) -> np.ndarray | None:
    """`value` (from the worker) as a float64 array, or None when it is not numbers."""
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _returned(
    got: Any, epochs: int, call: Message
) -> tuple[list[np.ndarray], dict[str, np.ndarray]]:
    """The history's curves, every update's learning rate and the weights, checked for form."""
    found = (
        [_floats(value) for value in got[:5]]
        if isinstance(got, (tuple, list)) and len(got) == 6
        else [None]
    )
    if any(values is None for values in found):
        problem = msg(
            "cnn.training_returned",
            "the run returned {type}, not (history, learning rates, weights)",
            type=type(got).__name__,
        )
        raise CheckFailure([problem], kind="type", call=call)
    curves = [values.reshape(-1) for values in found if values is not None]
    for values in curves[:4]:
        if len(values) != epochs:
            problem = msg(
                "cnn.epochs_run",
                "history records {got} epochs, expected {want} (no patience: every epoch runs)",
                got=str(len(values)),
                want=epochs,
            )
            raise CheckFailure([problem], call=call)
    shapes = smallcnn_shapes(10)
    weights = got[5] if isinstance(got[5], dict) and set(got[5]) == set(shapes) else {}
    state = {name: _floats(value) for name, value in weights.items()}
    if not state or any(
        value is None or value.shape != shapes[name] for name, value in state.items()
    ):
        problem = msg(
            "cnn.training_weights",
            "the model's parameters after fit are not SmallCNN's ({names}) with their shapes",
            names=sorted(shapes),
        )
        raise CheckFailure([problem], kind="shape", call=call)
    return curves, state


def _explained(failure: CheckFailure, why: Message) -> CheckFailure:
    """`failure` (a comparison under what was called) with `why` right under its first line."""
    return CheckFailure([failure.lines[0], ("  ", why), *failure.lines[1:]], kind=failure.kind)


def _flat(state: dict[str, np.ndarray]) -> np.ndarray:
    return np.concatenate([state[name].reshape(-1) for name in sorted(state)])


def check_training(
    sub: Submission,
    oracle: Oracle,
    rng: np.random.Generator,
    n_train: int = 400,
    n_test: int = 200,
    epochs: int = 5,
    batch_size: int = 20,
    lr: float = 1e-2,
    threshold: float = 0.4,
) -> None:
    """SmallCNN trained with the student's fit: the grader measures, checks and replays the run."""
    from autograder.checks.cnn.private import replay  # the grader's own run: grading host only

    x_train, y_train, templates = synthetic_digits(rng, n_train)
    x_test, y_test, _ = synthetic_digits(rng, n_test, templates=templates)
    state = smallcnn_init_state(rng, 10)
    x_train = x_train.astype(np.float64)
    train = [
        (x_train[i : i + batch_size], y_train[i : i + batch_size])
        for i in range(0, n_train, batch_size)
    ]
    val = [(x_train[: 2 * batch_size], y_train[: 2 * batch_size])]
    kw = dict(state=state, train=train, val=val, epochs=epochs, lr=lr)
    call = msg(
        "cnn.call_training",
        "SmallCNN() in float64 trained with your fit on {train} digit-like 8x8 images for "
        "{epochs} epochs (batch {batch}, lr={lr}); the grader then classifies {test} new ones "
        "with the weights fit left in the model",
        train=n_train,
        epochs=epochs,
        batch=batch_size,
        lr=str(lr),
        test=n_test,
    )
    curves, weights = _returned(sub.run(run_cnn, "training", **kw), epochs, call)
    held_out = [(x_test.astype(np.float64), y_test)]
    unchanged = all(np.array_equal(weights[name], state[name]) for name in weights)
    still = msg(
        "cnn.weights_unchanged",
        "the model's weights are exactly those it was given: fit must train the model passed "
        "to it (its own parameters, with AdamW), not a copy, another model or a new forward",
    )

    # 1. the grader's measurement of the returned weights
    accuracy = replay.loss_and_accuracy(weights, held_out)[1]
    if accuracy < threshold:
        _, reference = _returned(oracle.run(run_cnn, "training", **kw), epochs, call)
        problem = msg(
            "cnn.accuracy_short",
            "test accuracy {accuracy}, expected at least {least} (chance is 10%; the "
            "reference reaches {reference}); the grader's SmallCNN measures it, so a SmallCNN "
            "of yours that computes something else scores low here too",
            accuracy=f"{accuracy:.1%}",
            least=f"{threshold:.0%}",
            reference=f"{replay.loss_and_accuracy(reference, held_out)[1]:.1%}",
        )
        raise CheckFailure([problem, *([still] if unchanged else [])], call=call)
    # 2. the weights moved
    if unchanged:
        raise CheckFailure([still], call=call)
    # 3. the history describes the model fit returned
    last = [curves[1][-1], curves[2][-1]]
    try:
        compare_all(
            last,
            list(replay.loss_and_accuracy(weights, val)),
            ['history["val_loss"][-1]', 'history["val_acc"][-1]'],
            call=call,
        )
    except CheckFailure as failure:
        why = msg(
            "cnn.history_not_of_weights",
            "the history's last entries are not the validation loss and accuracy of the "
            "weights fit left in the model, as the grader's SmallCNN computes them: the "
            "history must record the run that trained the model, and a SmallCNN of yours "
            "that computes something else differs here too",
        )
        raise _explained(failure, why) from None
    # 4. the run itself, replayed
    run = replay.replay_fit(state, train, val, epochs, lr)
    names = [
        'history["train_loss"]',
        'history["val_loss"]',
        'history["val_acc"]',
        msg("cnn.history_lr", 'history["lr"] (the learning rate of each epoch\'s last update)'),
        msg("cnn.update_lrs", "the learning rate of every AdamW update, in order"),
        msg("cnn.final_weights", "the weights when fit returns"),
    ]
    want = [run.train_loss, run.val_loss, run.val_acc, run.lr, run.update_lrs, _flat(run.state)]
    try:
        compare_all([*curves, _flat(weights)], want, names, call=call)
    except CheckFailure as failure:
        why = msg(
            "cnn.replay_differs",
            "the grader replayed the run the task asks for (SmallCNN from the weights it was "
            "given, torch.optim.AdamW(lr={lr}) over the {count} training batches in the order "
            "given, the learning rate warmed up over the first epoch, then decayed along a "
            "cosine after every update) and the run of your fit differs from it; a SmallCNN "
            "that computes something else differs too",
            lr=str(lr),
            count=len(train),
        )
        raise _explained(failure, why) from None
