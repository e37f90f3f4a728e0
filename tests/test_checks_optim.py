"""Do the optim checks accept every correct implementation and refuse wrong ones?

The generic tests (test_assignments.py) grade the reference, the stub and the
known mistakes. Here a differently written but correct optim.py (in-place
state updates, torch's own arrangement of Adam, a norm via np.linalg, a
step decay by repeated multiplication, ...) must still score full marks, and
wrong implementations that are not known mistakes (parameters rebound instead
of updated in place, gradients modified, clipping on copies) must lose the
points of the checks that look for them, with a message that says why.
"""

from __future__ import annotations

import copy

import pytest
from graderkit import ROOT, failures, grade_folder

from autograder.feedback import render_result

# Each (old, new) replaces text of the reference; together they make another
# correct implementation of every task.
EQUIVALENT = [
    (  # SGD: in-place momentum buffer
        "                    buf = self.momentum * buf + (1.0 - self.dampening) * g\n",
        "                    buf *= self.momentum\n"
        "                    buf += (1.0 - self.dampening) * g\n",
    ),
    ("buf = g.copy()", "buf = np.array(g, copy=True)"),
    (  # Adagrad: in-place sum, power instead of sqrt
        "self.sums[i] = self.sums[i] + g * g",
        "self.sums[i] += g**2",
    ),
    (
        "p -= self.lr * g / (np.sqrt(self.sums[i]) + self.eps)",
        "p[...] = p - self.lr * g / (self.sums[i] ** 0.5 + self.eps)",
    ),
    (  # Adadelta: another order of the same products
        "delta = np.sqrt(self.acc_deltas[i] + eps) / np.sqrt(self.square_avgs[i] + eps) * g",
        "delta = g * np.sqrt((self.acc_deltas[i] + eps) / (self.square_avgs[i] + eps))",
    ),
    (  # RMSprop: in-place running average
        "self.square_avgs[i] = alpha * self.square_avgs[i] + (1.0 - alpha) * g * g",
        "self.square_avgs[i] *= alpha\n            self.square_avgs[i] += (1.0 - alpha) * g * g",
    ),
    (  # Adam and AdamW: the first moment as a lerp
        "self.exp_avgs[i] = beta1 * self.exp_avgs[i] + (1.0 - beta1) * g",
        "self.exp_avgs[i] = self.exp_avgs[i] + (1.0 - beta1) * (g - self.exp_avgs[i])",
    ),
    (  # Adam: torch's arrangement (step size and denominator)
        "            m_hat = self.exp_avgs[i] / (1.0 - beta1**t)\n"
        "            v_hat = self.exp_avg_sqs[i] / (1.0 - beta2**t)\n"
        "            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)\n",
        "            step_size = self.lr / (1.0 - beta1**t)\n"
        "            denom = np.sqrt(self.exp_avg_sqs[i]) / math.sqrt(1.0 - beta2**t) + self.eps\n"
        "            p -= step_size * self.exp_avgs[i] / denom\n",
    ),
    (  # AdamW: decay and step in one update of the old p
        "            p *= 1.0 - self.lr * self.weight_decay\n",
        "            old = p.copy()\n",
    ),
    (
        "            p -= self.lr * (self.exp_avgs[i] / bias_correction1) / denom\n",
        "            p -= self.lr * (self.weight_decay * old + "
        "self.exp_avgs[i] / bias_correction1 / denom)\n",
    ),
    (  # clip_grad_norm: one concatenated norm, scale only when needed
        "    total_norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads))\n"
        "    coef = min(max_norm / (total_norm + 1e-6), 1.0)\n"
        "    for g in grads:\n"
        "        g *= coef\n",
        "    total_norm = float(np.linalg.norm(np.concatenate([g.ravel() for g in grads])))\n"
        "    coef = max_norm / (total_norm + 1e-6)\n"
        "    if coef < 1.0:\n"
        "        for g in grads:\n"
        "            g *= coef\n",
    ),
    (  # schedules: rearranged formulas
        "lr = min_lr + (base_lr - min_lr) * 0.5 * (1.0 + math.cos(math.pi * progress))",
        "lr = (base_lr - min_lr) * (1.0 + math.cos(math.pi * progress)) / 2.0 + min_lr",
    ),
    (
        "lr = base_lr * math.sqrt(warmup_steps / step)",
        "lr = base_lr * math.sqrt(warmup_steps) / math.sqrt(step)",
    ),
    (
        "    lr = base_lr * gamma ** (step // step_size)\n",
        "    lr = base_lr\n    for _ in range(step // step_size):\n        lr *= gamma\n",
    ),
]

# Wrong implementations that no known mistake describes, the check whose
# message must explain them, an English phrase of that message, its id in the
# catalogs and a phrase of its Korean.
WRONG = {
    "rebinds-params": (
        [("p -= self.lr * g\n            ### END", "p = p - self.lr * g\n            ### END")],
        "step changes the caller's parameter arrays in place",
        "never changed",
        "optim.params_unchanged",
        "값이 바뀌지 않았습니다",
    ),
    "modifies-grads": (
        [
            (
                "            if self.weight_decay != 0.0:\n"
                "                g = g + self.weight_decay * p\n"
                "            if self.momentum != 0.0:",
                "            if self.weight_decay != 0.0:\n"
                "                g += self.weight_decay * p\n"
                "            if self.momentum != 0.0:",
            )
        ],
        "step changes the caller's parameter arrays in place",
        "modified a gradient array",
        "optim.grads_modified",
        "기울기는 호출한 쪽의 것입니다",
    ),
    "clips-copies": (
        [("    for g in grads:\n        g *= coef\n", "    grads = [g * coef for g in grads]\n")],
        "clip_grad_norm returns the total norm and rescales the grads in place",
        "in place",
        "optim.clip_not_in_place",
        "제자리에서 스케일링하세요",
    ),
}


def write_variant(tmp_path, edits):
    source = (ROOT / "solutions" / "optim" / "optim.py").read_text(encoding="utf-8")
    for old, new in edits:
        assert old in source, old
        source = source.replace(old, new)
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "optim.py").write_text(source, encoding="utf-8")
    return folder


def test_equivalent_implementation_scores_full_marks(tmp_path):
    """Does a correct optim.py written differently from the reference get every point?"""
    result = grade_folder("optim", write_variant(tmp_path, EQUIVALENT))
    assert result.status == "graded", result.output
    assert result.score == result.max_score, failures(result)


@pytest.mark.parametrize("case", sorted(WRONG))
def test_wrong_implementation_is_caught_and_explained(tmp_path, case):
    """Does a wrong implementation outside the known mistakes lose points, with a reason in
    English and in Korean?"""
    edits, check, phrase, message_id, korean = WRONG[case]
    result = grade_folder("optim", write_variant(tmp_path, edits))
    assert result.score < result.max_score
    explained = [t for t in result.tests if t.status == "failed" and t.name.startswith(check)]
    assert explained, failures(result)
    assert any(phrase in t.output for t in explained), failures(result)
    said = [t for t in explained if message_id in {m.id for _, m in t.lines}]
    assert said, [[m.id for _, m in t.lines] for t in explained]
    in_korean = render_result(copy.deepcopy(result), "ko")
    outputs = [t.output for t in in_korean.tests if t.nodeid == said[0].nodeid]
    assert korean in outputs[0] and phrase not in outputs[0], outputs[0]
