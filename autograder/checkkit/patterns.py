"""The patterns most checks are made of: a forward against the reference, a backward too."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from autograder.checkkit.compare import CheckFailure, call_after, compare, compare_all
from autograder.checkkit.oracle import Oracle, forward_outputs
from autograder.messages import msg
from autograder.sandbox.submission import Handle, Submission, describe_call, describe_value


def check_forward(
    sub: Submission,
    oracle: Oracle,
    name: str,
    *args: Any,
    task: str | None = None,
    outputs: Sequence[str] = ("out",),
    rtol: float = 1e-6,
    atol: float = 1e-9,
    **kwargs: Any,
) -> Handle:
    """Compare a forward function's outputs with the reference; return the student's cache.

    Known mistakes of `task` (default: `name`) are evaluated on the same inputs
    and named in the feedback when the student's outputs match one of them.
    """
    mistakes = oracle.candidates(task or name, forward_outputs, name, *args, **kwargs)
    want = oracle.forward(name, *args, **kwargs)
    got = sub.forward(name, *args, **kwargs)
    call = sub.last_call
    if not isinstance(got, tuple) or len(got) != len(outputs) + 1:
        raise CheckFailure(
            msg(
                "patterns.tuple",
                "expected a tuple ({names}), got {got}",
                names=[*outputs, "cache"],
                got=describe_value(got),
            ),
            kind="type",
            call=call,
        )
    if len(outputs) == 1:
        compare(got[0], want, what=outputs[0], call=call, rtol=rtol, atol=atol, mistakes=mistakes)
    else:
        compare_all(got[:-1], want, outputs, call=call, rtol=rtol, atol=atol, mistakes=mistakes)
    return got[-1]


def check_backward(
    sub: Submission,
    oracle: Oracle,
    forward: str,
    backward: str,
    args: Sequence[Any],
    dout: Any,
    *,
    grads: Sequence[str],
    kwargs: Mapping[str, Any] | None = None,
    task: str | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> Any:
    """Compare `backward(dout, cache)` with the reference, the cache from the student's own forward."""
    kwargs = dict(kwargs or {})
    want = oracle.backward(forward, backward, args, dout, kwargs=kwargs)
    mistakes = oracle.lazy(
        {
            mistake: (
                message,
                partial(
                    oracle.backward, forward, backward, args, dout, kwargs=kwargs, mistake=mistake
                ),
            )
            for mistake, message in oracle.mistakes(task or backward)
        }
    )
    cache = sub.forward(forward, *args, **kwargs)[-1]
    got = sub.call(backward, dout, cache)
    call = call_after(sub.last_call, describe_call(forward, args, kwargs))
    if len(grads) == 1:
        compare(got, want, what=grads[0], call=call, rtol=rtol, atol=atol, mistakes=mistakes)
    else:
        compare_all(got, want, grads, call=call, rtol=rtol, atol=atol, mistakes=mistakes)
    return got
