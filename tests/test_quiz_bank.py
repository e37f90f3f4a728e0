"""The course's quiz banks: schema, coverage of the notes, and answers checked by another route.

Every parametrized answer is recomputed here without the bank's formula -
shapes and parameter counts by torch (meta tensors, real modules), optimizer
steps and schedules by torch.optim, the rest by numpy - for many students.
"""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from autograder.quiz import bank as qbank
from autograder.quiz.bank import correct_indices, draw_values, expected_number, student_seed
from autograder.quiz.engine import render_explanation, render_text
from autograder.quiz.topics import TOPICS

META = torch.device("meta")
STUDENTS = [f"s{i:03d}" for i in range(24)] + ["self", "alice", "김철수"]
HANGUL = re.compile(r"[\uac00-\ud7a3]")

# The topics the issue lists; each tuple names tags that one question must carry together.
REQUIRED_TOPICS: list[tuple[str, ...]] = [
    # convolution
    ("conv-1d",),
    ("conv-2d",),
    ("conv-3d",),
    ("conv-output-size",),
    ("stride",),
    ("padding",),
    ("dilation",),
    ("pooling",),
    ("conv-1x1",),
    ("transposed-conv",),
    ("convolutionalization",),
    ("convolutionalization", "conv-params"),
    ("conv-backprop",),
    # generalization and model selection
    ("generalization",),
    ("generalization-gap",),
    ("underfitting",),
    ("overfitting",),
    ("cross-validation",),
    ("time-series-cv",),
    ("bias-variance",),
    ("bootstrapping",),
    ("bagging",),
    ("boosting",),
    ("batch-size", "sharp-flat-minima"),
    # every gradient-descent method of the notes, schedules and warmup
    ("gradient-descent",),
    ("sgd",),
    ("mini-batch",),
    ("batch-gd",),
    ("momentum",),
    ("nag",),
    ("adagrad",),
    ("adadelta",),
    ("rmsprop",),
    ("adam",),
    ("learning-rate",),
    ("lr-schedule",),
    ("warmup",),
    # regularization and normalization
    ("early-stopping",),
    ("l1-regularization",),
    ("l2-regularization",),
    ("data-augmentation",),
    ("label-changing-transforms",),
    ("noise-robustness",),
    ("label-smoothing",),
    ("mixup",),
    ("cutout",),
    ("cutmix",),
    ("dropout",),
    ("batch-norm",),
    ("layer-norm",),
    ("instance-norm",),
    ("group-norm",),
    # activations, initialization, losses
    ("activations",),
    ("sigmoid",),
    ("tanh",),
    ("relu",),
    ("leaky-relu",),
    ("elu",),
    ("zero-init",),
    ("xavier-init",),
    ("he-init",),
    ("mse",),
    ("cross-entropy",),
    ("bce",),
    ("hinge",),
    ("kl-divergence",),
    # classical machine learning
    ("linear-regression",),
    ("logistic-regression",),
    ("r-squared",),
    ("mle",),
    ("ridge",),
    ("lasso",),
    ("decision-tree",),
    ("random-forest",),
    ("svm",),
    ("k-means",),
    ("pca",),
    ("knn",),
    # sequence models
    ("rnn",),
    ("vanishing-gradient",),
    ("gradient-clipping",),
    ("lstm",),
    ("gru",),
    ("seq2seq",),
    ("teacher-forcing",),
    ("attention",),
    # transformers
    ("transformer",),
    ("positional-encoding",),
    ("multi-head-attention",),
    ("masking",),
    ("cls-token",),
    ("bert",),
    ("vit",),
    # history, detection, segmentation
    ("cnn-history",),
    ("lenet",),
    ("alexnet",),
    ("fcn",),
    ("semantic-segmentation",),
    ("object-detection",),
    ("r-cnn",),
    ("yolo",),
]


@pytest.fixture(scope="module")
def quizzes(root):
    return qbank.load_quizzes(qbank.quiz_dir(root))


@pytest.fixture(scope="module")
def questions(quizzes):
    return [q for quiz in quizzes.values() for q in quiz.questions]


# ---------------------------------------------------------------- independent answers


def _conv_out(H, K, P=0, S=1, D=1):
    x = torch.empty(1, 1, H, H, device=META)
    return F.conv2d(x, torch.empty(1, 1, K, K, device=META), stride=S, padding=P, dilation=D).shape[
        -1
    ]


def _numel(module):
    return sum(p.numel() for p in module.parameters())


def _sgd_like(opt_cls, w, grads, **kwargs):
    param = torch.tensor([float(w)], dtype=torch.float64, requires_grad=True)
    opt = opt_cls([param], **kwargs)
    history = [param.item()]
    for g in grads:
        param.grad = torch.tensor([float(g)], dtype=torch.float64)
        opt.step()
        history.append(param.item())
    return history


def _schedule(scheduler_cls, lr0, steps, **kwargs):
    param = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([param], lr=lr0)
    sched = scheduler_cls(opt, **kwargs)
    for _ in range(steps):
        opt.step()
        sched.step()
    return opt.param_groups[0]["lr"]


def _receptive_field(N, K):
    size = N * (K - 1) + 9
    x = torch.zeros(1, 1, size, dtype=torch.float64, requires_grad=True)
    h = x
    for _ in range(N):
        h = F.conv1d(h, torch.ones(1, 1, K, dtype=torch.float64))
    h[0, 0, h.shape[-1] // 2].backward()
    return int((x.grad != 0).sum())


def _conv_backprop(v):
    x = torch.tensor(
        [v.get("x", 0.3), v.get("y", -1.1), v.get("z", 0.7), 0.2, 0.5], dtype=torch.float64
    )
    x.requires_grad_(True)
    w = torch.tensor([v.get("a", 0.5), v.get("b", 0.5), v.get("c", 0.5)], dtype=torch.float64)
    w.requires_grad_(True)
    out = F.conv1d(x.view(1, 1, 5), w.view(1, 1, 3)).view(3)
    (out * torch.tensor([v["p"], v["q"], v["r"]], dtype=torch.float64)).sum().backward()
    return x.grad, w.grad


def _autograd(fn, x):
    t = torch.tensor(float(x), dtype=torch.float64, requires_grad=True)
    fn(t).backward()
    return t.grad.item()


def _xavier_bound(fin, fout):
    torch.manual_seed(0)
    samples = [
        nn.init.xavier_uniform_(torch.empty(fout, fin))
        for _ in range(max(1, 40000 // (fin * fout)))
    ]
    return torch.cat([s.flatten() for s in samples]).abs().max().item()


def _he_std(fin):
    torch.manual_seed(0)
    rows = max(20, 400000 // fin)
    w = nn.init.kaiming_normal_(torch.empty(rows, fin), mode="fan_in", nonlinearity="relu")
    return w.std().item()


def _label_smoothing_target(eps, K):
    logits = torch.zeros(1, K, dtype=torch.float64, requires_grad=True)
    F.cross_entropy(logits, torch.tensor([0]), label_smoothing=eps).backward()
    return 1.0 / K - logits.grad[0, 0].item()  # grad = softmax - target


def _pca_ratio(l1, l2, l3):
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    cov = q @ np.diag([l1, l2, l3]) @ q.T
    eig = np.linalg.eigvalsh(cov)
    return eig.max() / eig.sum()


def _attention_entries(h, L):
    mha = nn.MultiheadAttention(8 * h, h, batch_first=True)
    x = torch.zeros(1, L, 8 * h)
    _, weights = mha(x, x, x, need_weights=True, average_attn_weights=False)
    return weights.numel()


INDEPENDENT = {
    # convolution
    "conv-1d-length": lambda v: F.conv1d(
        torch.empty(1, 1, v["L"], device=META),
        torch.empty(1, 1, v["K"], device=META),
        stride=v["S"],
    ).shape[-1],
    "conv-2d-out-general": lambda v: _conv_out(v["H"], v["K"], v["P"], v["S"], v["D"]),
    "conv-same-padding": lambda v: next(
        p for p in range(40) if _conv_out(40, v["K"], p, 1, v["D"]) == 40
    ),
    "conv-dilation-span": lambda v: (
        50
        - F.conv1d(
            torch.empty(1, 1, 50, device=META),
            torch.empty(1, 1, v["K"], device=META),
            dilation=v["D"],
        ).shape[-1]
        + 1
    ),
    "conv-3d-volume": lambda v: F.conv3d(
        torch.empty(1, 1, v["T"], 32, 32, device=META),
        torch.empty(1, 1, v["K"], v["K"], v["K"], device=META),
        padding=v["P"],
    ).shape[2],
    "conv-param-count": lambda v: _numel(nn.Conv2d(v["C"], v["F"], v["K"], device=META)),
    "conv-receptive-field": lambda v: _receptive_field(v["N"], v["K"]),
    "pool-out-size": lambda v: F.max_pool2d(
        torch.empty(1, 1, v["H"], v["H"], device=META), v["F"], v["S"]
    ).shape[-1],
    "conv-1x1-params": lambda v: _numel(nn.Conv2d(v["C"], v["F"], 1, device=META)),
    "conv-transposed-out": lambda v: F.conv_transpose2d(
        torch.empty(1, 1, v["H"], v["H"], device=META),
        torch.empty(1, 1, v["K"], v["K"], device=META),
        stride=v["S"],
        padding=v["P"],
    ).shape[-1],
    "convolutionalization-params": lambda v: _numel(nn.Conv2d(v["C"], v["N"], v["K"], device=META)),
    "conv-backprop-input-value": lambda v: _conv_backprop(v)[0][2].item(),
    "conv-backprop-kernel-value": lambda v: _conv_backprop(v)[1][0].item(),
    # generalization
    "gen-gap-value": lambda v: v["B"] - v["A"],
    "cv-train-size": lambda v: v["N"] - len(np.array_split(np.arange(v["N"]), v["k"])[0]),
    "cv-grid-fits": lambda v: len(list(itertools.product(range(v["G"]), range(v["k"])))),
    "bootstrap-left-out": lambda v: float(np.prod(np.full(v["n"], 1 - 1 / v["n"]))),
    "bagging-variance": lambda v: float(
        np.full(v["M"], 1 / v["M"]) @ (v["V"] * np.eye(v["M"])) @ np.full(v["M"], 1 / v["M"])
    ),
    "batch-updates-per-epoch": lambda v: len(
        torch.utils.data.DataLoader(range(v["N"]), batch_size=v["B"])
    ),
    # optimizers
    "gd-one-step": lambda v: _sgd_like(torch.optim.SGD, v["w"], [v["g"]], lr=v["lr"])[-1],
    "momentum-two-steps": lambda v: _sgd_like(
        torch.optim.SGD, v["w"], [v["g1"], v["g2"]], lr=v["lr"], momentum=v["mu"]
    )[-1],
    "adagrad-second-step": lambda v: (lambda h: h[1] - h[2])(
        _sgd_like(torch.optim.Adagrad, 0.0, [v["g1"], v["g2"]], lr=v["lr"])
    ),
    "rmsprop-first-step": lambda v: _sgd_like(
        torch.optim.RMSprop, v["w"], [v["g"]], lr=v["lr"], alpha=v["alpha"]
    )[-1],
    "adam-first-step": lambda v: _sgd_like(torch.optim.Adam, v["w"], [v["g"]], lr=v["lr"])[-1],
    "lr-step-decay": lambda v: _schedule(
        torch.optim.lr_scheduler.StepLR, v["lr0"], v["t"], step_size=v["s"], gamma=v["gamma"]
    ),
    "lr-cosine": lambda v: _schedule(
        torch.optim.lr_scheduler.CosineAnnealingLR, v["lr0"], v["t"], T_max=v["T"]
    ),
    "lr-warmup-linear": lambda v: float(np.interp(v["t"], [0, v["W"]], [0, v["base"]])),
    "lr-inverse-sqrt": lambda v: v["base"] / np.sqrt(v["t"] / v["W"]),
    # regularization
    "l2-gradient": lambda v: _autograd(lambda w: v["g"] * w + v["lam"] / 2 * w**2, v["w"]),
    "mixup-pixel": lambda v: torch.lerp(
        torch.tensor(float(v["b"])), torch.tensor(float(v["a"])), v["lam"]
    ).item(),
    "cutmix-label-weight": lambda v: (
        lambda m: (m.__setitem__((slice(0, v["h"]), slice(0, v["w"])), 1), m.mean())[1]
    )(np.zeros((v["H"], v["W"]))),
    "label-smoothing-target": lambda v: _label_smoothing_target(v["eps"], v["K"]),
    "dropout-scale": lambda v: (lambda out: out[out > 0][0].item())(
        F.dropout(torch.ones(4000, dtype=torch.float64), v["p"], training=True)
    ),
    "bn-params": lambda v: _numel(nn.BatchNorm2d(v["C"], device=META)),
    "norm-group-values": lambda v: (
        np.zeros((1, v["C"], v["H"], v["H"])).reshape(1, v["G"], -1).shape[-1]
    ),
    # neural networks
    "perceptron-truth-table": lambda v: float(
        np.heaviside(
            v["w1"] * np.array([0, 0, 1, 1]) + v["w2"] * np.array([0, 1, 0, 1]) + v["b"], 0
        ).sum()
    ),
    "mlp-param-count": lambda v: _numel(
        nn.Sequential(
            nn.Linear(v["D"], v["H"], device=META),
            nn.ReLU(),
            nn.Linear(v["H"], v["C"], device=META),
        )
    ),
    "backprop-chain-value": lambda v: _autograd(lambda x: (v["a"] * x + v["b"]) ** 2, v["x"]),
    "sigmoid-derivative-value": lambda v: _autograd(torch.sigmoid, v["x"]),
    "sigmoid-vanishing-depth": lambda v: (
        float(
            torch.autograd.functional.jacobian(
                torch.sigmoid, torch.zeros(1, dtype=torch.float64)
            ).max()
        )
        ** v["n"]
    ),
    "tanh-derivative-value": lambda v: _autograd(torch.tanh, v["x"]),
    "leaky-relu-value": lambda v: F.leaky_relu(
        torch.tensor(float(v["x"]), dtype=torch.float64), v["alpha"]
    ).item(),
    "elu-value": lambda v: F.elu(
        torch.tensor(float(v["x"]), dtype=torch.float64), v["alpha"]
    ).item(),
    "softmax-value": lambda v: torch.softmax(
        torch.tensor([v["a"], v["b"], v["c"]], dtype=torch.float64), 0
    )[0].item(),
    "init-xavier-bound": lambda v: _xavier_bound(v["fin"], v["fout"]),
    "init-he-std": lambda v: _he_std(v["fin"]),
    # losses
    "loss-mse-value": lambda v: F.mse_loss(
        torch.tensor([v["p1"], v["p2"]], dtype=torch.float64),
        torch.tensor([v["t1"], v["t2"]], dtype=torch.float64),
    ).item(),
    "loss-ce-value": lambda v: F.nll_loss(
        torch.log(torch.tensor([[v["p"], 1 - v["p"]]], dtype=torch.float64)), torch.tensor([0])
    ).item(),
    "loss-bce-value": lambda v: F.binary_cross_entropy(
        torch.tensor(v["p"], dtype=torch.float64), torch.tensor(float(v["t"]), dtype=torch.float64)
    ).item(),
    "loss-mle-coin": lambda v: (
        lambda p: p[np.argmax(v["k"] * np.log(p) + (v["n"] - v["k"]) * np.log1p(-p))]
    )(np.linspace(1e-6, 1 - 1e-6, 200001)),
    "loss-hinge-value": lambda v: torch.clamp(torch.tensor(1.0 - v["y"] * v["s"]), min=0).item(),
    "loss-kl-value": lambda v: F.kl_div(
        torch.log(torch.tensor([v["q"], 1 - v["q"]], dtype=torch.float64)),
        torch.tensor([v["p"], 1 - v["p"]], dtype=torch.float64),
        reduction="sum",
    ).item(),
    # classical machine learning
    "linreg-slope": lambda v: np.polyfit([0, 1, 2], [v["y0"], v["y1"], v["y2"]], 1)[0],
    "linreg-r2-value": lambda v: (
        lambda y, yhat: 1 - np.sum((y - yhat) ** 2) / np.sum((y - y.mean()) ** 2)
    )(
        np.array([-1.0, 1.0]) * math.sqrt(v["tss"] / 2),
        np.array([-1.0, 1.0]) * (math.sqrt(v["tss"] / 2) - math.sqrt(v["rss"] / 2)),
    ),
    "select-best-subset": lambda v: sum(math.comb(v["p"], k) for k in range(v["p"] + 1)),
    "logreg-probability": lambda v: torch.sigmoid(
        torch.tensor(v["w"] * v["x"] + v["b"], dtype=torch.float64)
    ).item(),
    "ridge-one-weight": lambda v: np.linalg.solve(
        np.array([[5.0 + v["lam"]]]),
        np.array([[1.0, 2.0]]) @ np.array([v["a"], v["b"]], dtype=float),
    )[0],
    "tree-gini": lambda v: (lambda p: 1 - np.sum(p**2))(
        np.bincount(np.array([0] * v["a"] + [1] * v["b"]), minlength=2) / (v["a"] + v["b"])
    ),
    "svm-margin-width": lambda v: 2 / np.linalg.norm([v["w1"], v["w2"]]),
    "kmeans-centroid": lambda v: np.mean([[1, v["a"]], [3, v["b"]], [5, v["c"]]], axis=0)[1],
    "pca-explained-variance": lambda v: _pca_ratio(v["l1"], v["l2"], v["l3"]),
    # sequence models
    "seq-ngram-count": lambda v: math.prod([v["V"]] * v["n"]),
    "rnn-param-count": lambda v: _numel(nn.RNN(v["D"], v["H"], device=META)),
    "rnn-scalar-gradient": lambda v: _autograd(lambda h: _repeat_mul(h, v["w"], v["T"]), 1.0),
    "clip-value": lambda v: _clipped_first(v["a"], v["b"], v["c"]),
    "lstm-param-count": lambda v: _numel(nn.LSTM(v["D"], v["H"], device=META)),
    "gru-param-count": lambda v: _numel(nn.GRU(v["D"], v["H"], device=META)),
    "attention-weight-value": lambda v: torch.softmax(
        torch.tensor([v["s1"], v["s2"]], dtype=torch.float64), 0
    )[0].item(),
    # transformers
    "tf-score-std": lambda v: float(np.sqrt(np.sum(np.ones(v["d"])))),
    "tf-attention-size": lambda v: _attention_entries(v["h"], v["L"]),
    "tf-positional-value": lambda v: math.sin(
        v["pos"] * math.exp(-v["j"] * math.log(10000.0) / v["d"])
    ),
    "tf-head-dim": lambda v: nn.MultiheadAttention(v["D"], v["h"], device=META).head_dim,
    "tf-mha-params": lambda v: _numel(nn.MultiheadAttention(v["D"], v["h"], device=META)),
    "tf-causal-count": lambda v: int(torch.tril(torch.ones(v["L"], v["L"])).sum()),
    "vit-tokens": lambda v: (
        math.prod(
            F.conv2d(
                torch.empty(1, 3, v["S"], v["S"], device=META),
                torch.empty(8, 3, v["P"], v["P"], device=META),
                stride=v["P"],
            ).shape[-2:]
        )
        + 1
    ),
    "vit-patch-embedding": lambda v: _numel(
        nn.Conv2d(v["C"], v["D"], v["P"], stride=v["P"], device=META)
    ),
    # detection
    "det-anchor-outputs": lambda v: len(list(itertools.product(range(v["s"]), range(v["r"])))) * 6,
}

# Statistical or approximate routes get a looser tolerance (relative).
LOOSE = {"init-xavier-bound": 0.01, "init-he-std": 0.02}


def _repeat_mul(h, w, times):
    for _ in range(times):
        h = h * w
    return h


def _clipped_first(a, b, c):
    g = torch.tensor([float(a), float(b)], dtype=torch.float64)
    p = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    p.grad = g.clone()
    torch.nn.utils.clip_grad_norm_([p], c)
    return p.grad[0].item()


# ---------------------------------------------------------------- tests


def test_enough_questions(questions, quizzes):
    """Does the course have at least 150 questions, and every bank at least 15?"""
    assert len(questions) >= 150
    for quiz in quizzes.values():
        assert len(quiz.questions) >= 15, quiz.id


def test_every_kind_is_used(questions):
    """Are all four kinds of question present, with plenty of parametrized ones?"""
    kinds = {q.kind for q in questions}
    assert kinds == {"single", "multiple", "numeric", "param"}
    assert sum(q.kind == "param" for q in questions) >= 40


@pytest.mark.parametrize("tags", REQUIRED_TOPICS, ids=lambda t: "+".join(t))
def test_topic_has_questions(tags, questions):
    """Does every topic of the notes listed in the issue have a question?"""
    assert any(set(tags) <= set(q.tags) for q in questions), f"no question tagged {tags}"


def test_train_and_eval_modes_are_asked(questions):
    """Do dropout and batch norm each have a question about evaluation mode?"""
    for tag in ("dropout", "batch-norm"):
        texts = [q.text.en.lower() + q.explanation.en.lower() for q in questions if tag in q.tags]
        assert any("eval" in t for t in texts), tag


def test_required_topics_exist_in_vocabulary():
    """Is every required tag a known topic (so the coverage test cannot pass on a typo)?"""
    for tags in REQUIRED_TOPICS:
        for tag in tags:
            assert tag in TOPICS


def test_ids_unique_across_banks(questions):
    """Is every question id used once in the whole course?"""
    ids = [q.id for q in questions]
    assert len(ids) == len(set(ids))


def test_both_languages_everywhere(questions):
    """Is every question, option and explanation written in English and in Korean?"""
    for q in questions:
        for text in (q.text, q.explanation):
            assert HANGUL.search(text.ko), f"{q.id}: Korean text has no Hangul: {text.ko[:40]}"
            assert not HANGUL.search(text.en), f"{q.id}: English text contains Hangul"
            assert text.en != text.ko
        for option in q.options:
            assert option.text.en and option.text.ko
            assert not HANGUL.search(option.text.en), q.id


def test_choice_keys(questions):
    """Does every single-choice question have one key, and every multiple-choice one at least one?"""
    for q in questions:
        if q.kind == "single":
            assert len(correct_indices(q)) == 1, q.id
        elif q.kind == "multiple":
            assert 1 <= len(correct_indices(q)) < len(q.options), q.id


def test_keys_are_spread_over_positions(questions):
    """Are the correct options of single-choice questions spread over the positions A-D?"""
    positions = [min(correct_indices(q)) for q in questions if q.kind == "single"]
    for letter in range(4):
        share = positions.count(letter) / len(positions)
        assert 0.15 < share < 0.4, (letter, share)


def test_parametrized_questions_vary(questions):
    """Do parametrized questions give different students different values and answers?"""
    for q in questions:
        if q.kind != "param":
            continue
        draws = [draw_values(q, student_seed(s)) for s in STUDENTS]
        answers = {expected_number(q, d) for d in draws}
        assert len({tuple(d.items()) for d in draws}) > 3, q.id
        assert len(answers) > 1, q.id


def test_rendered_texts_have_no_placeholders(questions):
    """Are all placeholders filled in questions and explanations, in both languages?"""
    for q in questions:
        for student in STUDENTS[:5]:
            values = draw_values(q, student_seed(student))
            for lang in ("en", "ko"):
                for text in (render_text(q, lang, values), render_explanation(q, lang, values)):
                    assert not re.search(r"\{[A-Za-z_]\w*\}", text), (q.id, text)


def test_fractional_answers_have_tolerance(questions):
    """Does every numeric question whose answer is not a whole number state a tolerance?"""
    for q in questions:
        if q.is_choice:
            continue
        answers = [expected_number(q, draw_values(q, student_seed(s))) for s in STUDENTS]
        if any(not float(a).is_integer() for a in answers):
            assert q.tolerance > 0 or q.rel_tolerance > 0, q.id


def test_every_parametrized_question_has_an_independent_check(questions):
    """Is every parametrized question recomputed by a route of its own here?"""
    params = {q.id for q in questions if q.kind == "param"}
    assert params == set(INDEPENDENT), (params - set(INDEPENDENT), set(INDEPENDENT) - params)


def test_parametrized_answers_match_independent_route(questions):
    """Does every parametrized answer agree with torch / numpy for many students?"""
    torch.manual_seed(0)
    checked = 0
    for q in questions:
        if q.kind != "param":
            continue
        seen = set()
        for student in STUDENTS:
            values = draw_values(q, student_seed(student))
            key = tuple(values.items())
            if key in seen:
                continue
            seen.add(key)
            want = float(INDEPENDENT[q.id](values))
            got = expected_number(q, values)
            if q.id in LOOSE:
                assert got == pytest.approx(want, rel=LOOSE[q.id]), (q.id, values)
            else:
                # within a tenth of what grading accepts (the notes neglect e.g. Adam's epsilon)
                slack = max(
                    1e-9, 1e-6 * abs(want), q.tolerance / 10, q.rel_tolerance * abs(want) / 10
                )
                assert abs(got - want) <= slack, (q.id, values, got, want)
            checked += 1
    assert checked > 500


def test_static_numeric_answers(quizzes):
    """Are the static numeric answers right (checked with torch where they are shapes)?"""
    assert _conv_out(28, 3) == 26
    assert _conv_out(227, 11, 0, 4) == 55
    x = torch.tensor([[1, 3, 2, 0], [4, 6, 1, 1], [0, 2, 5, 7], [3, 1, 8, 2]], dtype=torch.float64)
    assert F.max_pool2d(x.view(1, 1, 4, 4), 2, 2).sum().item() == 19
    h = torch.empty(1, 1, 32, 32, device=META)
    h = F.max_pool2d(F.conv2d(h, torch.empty(6, 1, 5, 5, device=META)), 2, 2)
    h = F.max_pool2d(F.conv2d(h, torch.empty(16, 6, 5, 5, device=META)), 2, 2)
    assert h[0].numel() == 400
    assert (
        _numel(nn.Linear(16 * 4 * 4, 10, bias=False))
        == _numel(nn.Conv2d(16, 10, 4, bias=False))
        == 2560
    )
    s = torch.linspace(-10, 10, 20001, dtype=torch.float64, requires_grad=True)
    torch.sigmoid(s).sum().backward()
    assert s.grad.max().item() == pytest.approx(0.25)
    answers = {
        q.id: q.answer for quiz in quizzes.values() for q in quiz.questions if q.kind == "numeric"
    }
    assert answers["conv-2d-out-basic"] == 26
    assert answers["alexnet-first-conv"] == 55
    assert answers["lenet-flatten"] == 400
    assert answers["convolutionalization-dense-weights"] == 2560
    assert answers["pool-max-example"] == 19
    assert answers["sigmoid-derivative-max"] == 0.25
    assert answers["linreg-dummy-variables"] == 4 - 1


def test_early_stopping_example_matches_rule(quizzes):
    """Does the early-stopping example stop where the contract's EarlyStopping rule stops?"""
    losses = [0.90, 0.70, 0.62, 0.64, 0.61, 0.63, 0.65, 0.66]
    best, bad, stopped = math.inf, 0, None
    for epoch, loss in enumerate(losses, start=1):
        best, bad = (loss, 0) if loss < best else (best, bad + 1)
        if bad == 2 and stopped is None:
            stopped = epoch
    assert stopped == quizzes["regularization"].question("early-stopping-example").answer
