"""The masking checks of the bert assignment: mask_tokens against the reference, and its
shares over many tokens (ships with the public checks; no solution code)."""

import numpy as np

from autograder.checkkit import CheckFailure, msg
from autograder.checks.bert.common import check_task, shape_text
from autograder.checks.bert.harness import run_bert
from autograder.checks.bert.inputs import CLS, MASK, PAD, SEP, random_ids


def _mask_call(ids, V, special, seed, p):
    return msg(
        "bert.call_mask_tokens",
        "mask_tokens(ids of shape {shape}, vocab_size={V}, mask_id={mask}, special_ids={special}, "
        "a torch.Generator seeded with {seed}, p={p})",
        shape=shape_text(ids),
        V=V,
        mask=MASK,
        special=str(sorted(special)),
        seed=seed,
        p=p,
    )


def check_mask_tokens(sub, oracle, rng, B, L, V, special_ids, p=0.15, special_share=0.2):
    """mask_tokens: the same input ids and labels as the reference, from the same seed."""
    ids = random_ids(rng, B, L, V, special_ids, special_share)
    seed = int(rng.integers(2**31))
    call = _mask_call(ids, V, special_ids, seed, p)
    names = ["input_ids", "labels", msg("bert.ids_unchanged", "ids unchanged")]
    check_task(
        sub, oracle, "mask_tokens", "mask_tokens", call, names,
        ids=ids, vocab_size=V, mask_id=MASK, special_ids=sorted(special_ids), seed=seed, p=p,
    )  # fmt: skip


def _share(value):
    return f"{value:.1%}"


def check_mask_shares(sub, rng, B=100, L=200, V=50):
    """mask_tokens on many tokens: BERT's shares, whatever the order of the draws.

    About p of the non-special tokens are selected (never a special one); of the
    selected, about 80% become the mask, 10% a random word (never special) and
    10% stay; labels are the original ids where selected, -100 elsewhere.
    """
    special = [PAD, CLS, SEP, MASK]
    ids = random_ids(rng, B, L, V, set(special), 0.25)
    seed = int(rng.integers(2**31))
    call = _mask_call(ids, V, special, seed, 0.15)
    kw = {"ids": ids, "vocab_size": V, "mask_id": MASK, "special_ids": special, "seed": seed,
          "p": 0.15}  # fmt: skip
    got = sub.run(run_bert, "mask_tokens", **kw)
    inputs, labels = (np.asarray(v) for v in got["values"][:2])
    if inputs.shape != ids.shape or labels.shape != ids.shape:
        problem = msg(
            "bert.shares_shape",
            "input_ids and labels of shape {got} and {labels}, expected {want}",
            got=shape_text(inputs),
            labels=shape_text(labels),
            want=shape_text(ids),
        )
        raise CheckFailure([problem], kind="shape", call=call)
    is_special = np.isin(ids, special)
    selected = labels != -100
    problems = []
    if (selected & is_special).any():
        problems.append(
            msg(
                "bert.shares_special",
                "{count} special tokens were selected (never select a special token)",
                count=int((selected & is_special).sum()),
            )
        )
    if not np.array_equal(labels[selected], ids[selected]):
        problems.append(msg("bert.shares_label", "a label is not the original id of its position"))
    if not np.array_equal(inputs[~selected], ids[~selected]):
        problems.append(msg("bert.shares_changed", "a position that was not selected changed"))
    n_words, n = int((~is_special).sum()), int(selected.sum())

    def off(value, expected, count):  # more than 5 standard deviations away
        return abs(value - expected) > 5 * np.sqrt(expected * (1 - expected) / max(count, 1))

    if off(n / n_words, 0.15, n_words):
        problems.append(
            msg(
                "bert.shares_selected",
                "{share} of the words were selected, expected about 15%",
                share=_share(n / n_words),
            )
        )
    if n:
        masked = float(np.mean(inputs[selected] == MASK))
        kept = float(np.mean(inputs[selected] == ids[selected]))
        other = selected & (inputs != MASK) & (inputs != ids)
        if np.isin(inputs[other], special).any():
            problems.append(msg("bert.shares_random_special", "a random word is a special id"))
        if off(masked, 0.8, n):
            problems.append(
                msg(
                    "bert.shares_masked",
                    "{share} of the selected became the mask, expected about 80%",
                    share=_share(masked),
                )
            )
        if off(kept, 0.1 + 0.1 / (V - 4), n):
            problems.append(
                msg(
                    "bert.shares_kept",
                    "{share} of the selected kept their token, expected about 10%",
                    share=_share(kept),
                )
            )
    if problems:
        raise CheckFailure(problems, call=call)
