"""Shared pieces of the optim checks (ships with the public checks; no solution code).

Harness functions (first argument `module`) run inside the sandboxed worker
next to the student's code, or in the grader on the reference: they only
drive the student's classes and functions and record what happened. The input
generators and `check_*` helpers run in the grader.
"""

import numpy as np

from autograder.checkkit import CheckFailure, compare, compare_all, describe_value, msg

# ---------------------------------------------------------------------------
# Harness functions (self-contained: they are shipped to the worker as source)
# ---------------------------------------------------------------------------


def run_optimizer(module, name, kwargs, params, grads, lrs=None, shapes=None):
    """Build module.<name>(params, **kwargs) and call step once per row of grads.

    grads[i] holds the gradients of params[i] for every step, shaped
    (steps, *params[i].shape). Returns one array per parameter, shaped
    (steps, *param.shape): the caller's parameter arrays after every step.
    `lrs`, when given, is written to `opt.lr` before each step (a schedule).
    `shapes`, when given, restores the parameters' shapes (the wire carries
    0-d arrays as 1-d ones).
    """
    import numpy as np

    if shapes is None:
        shapes = [np.shape(p) for p in params]
    shapes = [tuple(s) for s in shapes]
    params = [np.array(p, dtype=np.float64).reshape(s) for p, s in zip(params, shapes)]
    opt = getattr(module, name)(params, **kwargs)
    history = [[] for _ in params]
    for k in range(len(grads[0])):
        if lrs is not None:
            opt.lr = lrs[k]
        opt.step([np.array(G[k], dtype=np.float64).reshape(s) for G, s in zip(grads, shapes)])
        for past, p in zip(history, params):
            past.append(p.copy())
    return [np.stack(past) for past in history]


def descend_bowl(module, name, kwargs, params, centers, curvatures, steps):
    """Minimise a badly scaled bowl with module.<name>; return the trajectory.

    The loss is sum_i sum(c_i * (p_i - m_i)**2 / 2 + (p_i - m_i)**4 / 40) over
    the parameter arrays p_i, with centres m_i and curvatures c_i; its gradient
    is computed here at the current parameters before every step. Returns one
    array per parameter, shaped (steps, *param.shape).
    """
    import numpy as np

    params = [np.array(p, dtype=np.float64) for p in params]
    centers = [np.array(m, dtype=np.float64) for m in centers]
    opt = getattr(module, name)(params, **kwargs)
    history = [[] for _ in params]
    for _ in range(steps):
        grads = [c * (p - m) + (p - m) ** 3 / 10.0 for p, m, c in zip(params, centers, curvatures)]
        opt.step(grads)
        for past, p in zip(history, params):
            past.append(p.copy())
    return [np.stack(past) for past in history]


def run_and_inspect(module, name, kwargs, params, grads):
    """Run module.<name> as run_optimizer does and report what happened to the caller's arrays.

    Returns (params after the last step, the gradient arrays handed to step as
    they were after the last step, stacked per parameter like `grads`, whether
    opt.params still holds the caller's arrays).
    """
    import numpy as np

    params = [np.array(p, dtype=np.float64) for p in params]
    opt = getattr(module, name)(params, **kwargs)
    given = []
    for k in range(len(grads[0])):
        step_grads = [np.array(G[k], dtype=np.float64) for G in grads]
        given.append(step_grads)
        opt.step(step_grads)
    held = getattr(opt, "params", None)
    same = isinstance(held, list) and len(held) == len(params)
    same = same and all(a is b for a, b in zip(held, params))
    stacked = [np.stack([g[i] for g in given]) for i in range(len(params))]
    return [p.copy() for p in params], stacked, bool(same)


def call_clip_grad_norm(module, grads, max_norm):
    """Call module.clip_grad_norm; return [total_norm, *grads after the call]."""
    import numpy as np

    grads = [np.array(g, dtype=np.float64) for g in grads]
    total = module.clip_grad_norm(grads, max_norm)
    return [total, *grads]


def lr_at_steps(module, name, steps, kwargs):
    """module.<name>(step, **kwargs) for every step, as a list (returned as is)."""
    fn = getattr(module, name)
    return [fn(int(step), **kwargs) for step in steps]


# ---------------------------------------------------------------------------
# Inputs (grader side)
# ---------------------------------------------------------------------------


def make_params(rng, shapes):
    return [np.asarray(rng.standard_normal(shape)) for shape in shapes]


def make_grads(rng, shapes, scales, steps):
    """Random gradients for `steps` steps: one array (steps, *shape) per parameter.

    Array i has typical size scales[i] (so eps and adaptivity matter).
    """
    return [
        np.asarray(s * rng.standard_normal((steps, *shape))) for s, shape in zip(scales, shapes)
    ]


def describe_run(name, kwargs, params, steps, extra=None):
    """What a trajectory check called: the optimizer, its parameters' shapes, the steps.

    `extra` (a message) says how the steps were taken, when not on given gradients alone.
    """
    shapes = ", ".join(str(tuple(np.shape(p))) for p in params)
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    head = f"{name}(params, {args})" if args else f"{name}(params)"
    if extra is None:
        return msg(
            "optim.run",
            "{head} with params of shapes [{shapes}], then {steps} calls of step(grads)",
            head=head,
            shapes=shapes,
            steps=steps,
        )
    return msg(
        "optim.run_how",
        "{head} with params of shapes [{shapes}], then {steps} calls of step(grads), {how}",
        head=head,
        shapes=shapes,
        steps=steps,
        how=extra,
    )


def trajectory_names(params):
    return [
        msg(
            "optim.trajectory",
            "params[{index}] after every step (index 0 = after step 1)",
            index=i,
        )
        for i in range(len(params))
    ]


# ---------------------------------------------------------------------------
# Checks (grader side)
# ---------------------------------------------------------------------------


def check_trajectory(sub, oracle, name, kwargs, params, grads, lrs=None, extra=None):
    """Compare the whole trajectory of module.<name> on a gradient sequence with the reference."""
    task = f"{name}.step"
    args = (name, kwargs, params, grads, lrs, [list(np.shape(p)) for p in params])
    mistakes = oracle.candidates(task, run_optimizer, *args)
    want = oracle.run(run_optimizer, *args)
    got = sub.run(run_optimizer, *args)
    call = describe_run(name, kwargs, params, len(grads[0]), extra)
    compare_all(got, want, trajectory_names(params), call=call, mistakes=mistakes)


def check_descent(sub, oracle, name, kwargs, params, centers, curvatures, steps):
    """Compare a closed-loop descent (gradients of the current parameters) with the reference."""
    task = f"{name}.step"
    args = (name, kwargs, params, centers, curvatures, steps)
    mistakes = oracle.candidates(task, descend_bowl, *args)
    want = oracle.run(descend_bowl, *args)
    got = sub.run(descend_bowl, *args)
    bowl = msg("optim.on_bowl", "each on the gradient of a bowl at the current params")
    call = describe_run(name, kwargs, params, steps, bowl)
    compare_all(got, want, trajectory_names(params), call=call, mistakes=mistakes)


def check_side_effects(sub, oracle, name, kwargs, params, grads):
    """step updates the caller's arrays in place, leaves grads alone, keeps opt.params."""
    args = (name, kwargs, params, grads)
    want_params, _, _ = oracle.run(run_and_inspect, *args)
    got = sub.run(run_and_inspect, *args)
    call = describe_run(name, kwargs, params, len(grads[0]))
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        raise CheckFailure(
            [msg("optim.run_incomplete", "the run did not complete normally")], call=call
        )
    got_params, got_grads, same = got
    for i, (sent, back) in enumerate(zip(grads, got_grads)):
        back = np.asarray(back)
        if back.shape != sent.shape or not np.array_equal(back, sent):
            problem = msg(
                "optim.grads_modified",
                "step modified a gradient array it was given ({which}): gradients belong to "
                "the caller; build new arrays (g = g + ...) instead of updating them in place "
                "(g += ...), and copy a gradient before keeping it as state that you later "
                "update in place",
                which=f"grads[{i}]",
            )
            raise CheckFailure([problem], call=call)
    for i, (p0, got_p, want_p) in enumerate(zip(params, got_params, want_params)):
        if np.array_equal(np.asarray(got_p), np.asarray(p0)) and not np.array_equal(want_p, p0):
            problem = msg(
                "optim.params_unchanged",
                "{which} held by the caller never changed: update each parameter array in "
                "place (p -= ..., or p[...] = ...); p = p - ... only rebinds a local name",
                which=f"params[{i}]",
            )
            raise CheckFailure([problem], call=call)
    if not same:
        problem = msg(
            "optim.params_rebound",
            "opt.params no longer holds the caller's arrays (keep self.params as given)",
        )
        raise CheckFailure([problem], call=call)
    compare_all(got_params, want_params, [f"params[{i}]" for i in range(len(params))], call=call)


def check_clip(sub, oracle, grads, max_norm):
    """clip_grad_norm returns the total norm and scales grads in place like the reference."""
    args = (grads, max_norm)
    mistakes = oracle.candidates("clip_grad_norm", call_clip_grad_norm, *args)
    want = oracle.run(call_clip_grad_norm, *args)
    got = sub.run(call_clip_grad_norm, *args)
    call = msg(
        "optim.clip_call",
        "clip_grad_norm(grads of shapes [{shapes}], max_norm={max_norm})",
        shapes=", ".join(str(tuple(np.shape(g))) for g in grads),
        max_norm=repr(max_norm),
    )
    if not isinstance(got, list) or len(got) != len(want):
        raise CheckFailure(
            [msg("optim.call_incomplete", "the call did not complete normally")], call=call
        )
    if got[0] is None:
        problem = msg(
            "optim.clip_returned_none", "returned None: return the total norm before clipping"
        )
        raise CheckFailure([problem], call=call)
    changed_expected = any(not np.array_equal(w, g) for w, g in zip(want[1:], grads))
    unchanged = all(np.array_equal(np.asarray(h), g) for h, g in zip(got[1:], grads))
    if changed_expected and unchanged:
        problem = msg(
            "optim.clip_not_in_place",
            "the gradients' total norm exceeds max_norm, yet the caller's grads did not "
            "change: scale the given arrays in place (g *= ...); new arrays never reach the "
            "caller",
        )
        raise CheckFailure([problem], call=call)
    names = ["total_norm"] + [
        msg("optim.grad_after_call", "grads[{index}] after the call", index=i)
        for i in range(len(grads))
    ]
    compare_all(got, want, names, call=call, mistakes=mistakes)


def check_schedule(sub, oracle, name, steps, kwargs):
    """A schedule's values at the given steps against the reference."""
    steps = [int(s) for s in steps]
    mistakes = oracle.candidates(name, lr_at_steps, name, steps, kwargs)
    mistakes = {k: (advice, np.asarray(v, dtype=float)) for k, (advice, v) in mistakes.items()}
    want = np.asarray(oracle.run(lr_at_steps, name, steps, kwargs), dtype=float)
    got = sub.run(lr_at_steps, name, steps, kwargs)
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    call = msg(
        "optim.schedule_call",
        "{head} for step in {steps}",
        head=f"{name}(step, {args})",
        steps=describe_steps(steps),
    )
    try:
        values = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        kinds = sorted({type(v).__name__ for v in got}) if isinstance(got, list) else [type(got)]
        problem = msg(
            "optim.schedule_types",
            "expected one number per step, got values of type {kinds}",
            kinds=str(kinds),
        )
        raise CheckFailure([problem], call=call) from None
    if values.shape != want.shape:
        problem = msg(
            "optim.schedule_shape",
            "expected one number per step, got {got}",
            got=describe_value(got),
        )
        raise CheckFailure([problem], call=call)
    what = msg("optim.lr_per_step", "lr at each step (index = position in the list of steps)")
    compare(values, want, what=what, call=call, mistakes=mistakes)


def describe_steps(steps):
    if steps == list(range(steps[0], steps[-1] + 1)):
        return f"range({steps[0]}, {steps[-1] + 1})"
    shown = ", ".join(map(str, steps[:6]))
    return f"[{shown}{', ...' if len(steps) > 6 else ''}]"
