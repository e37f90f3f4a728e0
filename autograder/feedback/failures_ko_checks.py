"""Korean for what the assignments' own checks write (see `autograder.feedback.failures_ko`).

The kit's and the sandbox's templates live in `autograder.feedback.failures_ko`; these
are the phrases that the check modules (`autograder/checks/<id>/common.py`)
write themselves: what a torch check says it called, inputs modified in place,
the dropout statistics, the optimizers' in-place updates. A check whose
English changes falls back to its English line (with the Korean kind of
failure above it); `tests/test_feedback_ko.py` holds a sample of each.
"""

from __future__ import annotations

_WHAT = r"(?P<what>[^\n]+?)"

CHECK_TEMPLATES: list[tuple[str, str]] = [
    # What the torch assignments' checks say they called (cnn, transformer).
    (
        r"(?P<model>\w+\([^)]*\)) in float64 \((?P<mode>train|eval) mode\) with random weights "
        r"loaded by parameter name, forward on x of shape (?P<shape>\([^)]*\)) with no mask, "
        r"then backward",
        "{model}, float64, {mode} 모드, 파라미터 이름으로 불러온 임의의 가중치:"
        " 모양 {shape}인 x에 마스크 없이 순전파한 뒤 역전파",
    ),
    (
        r"(?P<model>\w+\([^)]*\)) in float64 \((?P<mode>train|eval) mode\) with random weights "
        r"loaded by parameter name, forward on x of shape (?P<shape>\([^)]*\)) with a bool mask "
        r"of shape (?P<mask>\([^)]*\)), then backward",
        "{model}, float64, {mode} 모드, 파라미터 이름으로 불러온 임의의 가중치:"
        " 모양 {shape}인 x에 모양 {mask}인 불리언 마스크로 순전파한 뒤 역전파",
    ),
    (
        r"SmallCNN\((?P<classes>\d+)\) in float64 with random weights loaded by parameter name, "
        r"eval mode, forward on x of shape (?P<shape>\([^)]*\)), then backward",
        "SmallCNN({classes}), float64, 평가 모드, 파라미터 이름으로 불러온 임의의 가중치:"
        " 모양 {shape}인 x에 순전파한 뒤 역전파",
    ),
    (
        r"train_epoch on a small conv \+ batch-norm network \(given to you in (?P<mode>train|eval) "
        r"mode\), batches of sizes (?P<sizes>\[[^\]]*\]), (?P<opt>.+), "
        r"nn\.CrossEntropyLoss\(label_smoothing=(?P<smoothing>[^)]*)\)",
        "train_epoch: 작은 합성곱 + 배치 정규화 신경망({mode} 모드로 받음), 배치 크기 {sizes},"
        " {opt}, nn.CrossEntropyLoss(label_smoothing={smoothing})",
    ),
    (
        r"evaluate on a small conv \+ batch-norm network given in (?P<mode>train|eval) mode, "
        r"batches of sizes (?P<sizes>\[[^\]]*\]), "
        r"nn\.CrossEntropyLoss\(label_smoothing=(?P<smoothing>[^)]*)\)",
        "evaluate: {mode} 모드로 받은 작은 합성곱 + 배치 정규화 신경망, 배치 크기 {sizes},"
        " nn.CrossEntropyLoss(label_smoothing={smoothing})",
    ),
    (
        r"(?P<call>lr_schedule\(.*\)) for step = (?P<steps>\S+)",
        "step = {steps}에 대해 {call}",
    ),
    (
        r"(?P<call>fit\(.*\)) on a small conv \+ batch-norm network, (?P<count>\d+) training "
        r"batches per epoch",
        "{call}: 작은 합성곱 + 배치 정규화 신경망, 에폭마다 학습 배치 {count}개",
    ),
    # What the numpy assignments' checks say they called.
    (
        r"(?P<head>\w+\(params(?:, .*?)?\)) with params of shapes \[(?P<shapes>.*)\], then "
        r"(?P<steps>\d+) calls of step\(grads\)(?P<extra>.*)",
        "{head}: 모양이 [{shapes}]인 params로 step(grads) 호출 {steps}번{extra}",
    ),
    (
        r"(?P<call>\w+\(step, .*\)) for step in (?P<steps>\[.*\])",
        "step = {steps}에 대해 {call}",
    ),
    (
        r"linear_regression_fit\(X, y\) with the default l2",
        "기본 l2로 호출한 linear_regression_fit(X, y)",
    ),
    (
        r"loss: expected (?P<want>\S+), got (?P<got>\S+) \(logits up to (?P<top>\S+)\)",
        "loss: 기댓값 {want}, 돌아온 값 {got} (로짓의 크기는 최대 {top})",
    ),
    (
        r"SmallCNN\(\) trained with your fit on (?P<train>\d+) digit-like 8x8 images for "
        r"(?P<epochs>\d+) epochs \(batch (?P<batch>\d+), lr=(?P<lr>\S+)\), then its "
        r"predictions on (?P<test>\d+) new ones",
        "직접 작성한 fit으로 숫자 같은 8x8 이미지 {train}개에서 {epochs}에폭 동안 학습한"
        " SmallCNN() (배치 {batch}, lr={lr}), 그다음 처음 보는 이미지 {test}개에 대한 예측",
    ),
    (
        r"test accuracy (?P<accuracy>\S+), expected at least (?P<least>\S+) \(chance is "
        r"(?P<chance>\S+); the reference reaches (?P<reference>\S+)\)",
        "테스트 정확도 {accuracy}, {least} 이상이어야 합니다"
        " (우연 수준은 {chance}, 참조 구현은 {reference})",
    ),
    # Phrases that several assignments' own checks share.
    (
        r"the weights do not follow the expected distribution: their distribution function "
        r"differs from the reference's by (?P<distance>\S+) \(at most (?P<bound>\S+) is "
        r"expected by chance\)",
        "가중치가 기대한 분포를 따르지 않습니다. 분포 함수가 참조 구현의 것과 {distance}만큼"
        " 다릅니다 (우연으로는 많아야 {bound} 정도)",
    ),
    (
        r"your weights: mean (?P<mean>\S+), std (?P<std>\S+), min (?P<low>\S+), max (?P<high>\S+)",
        "작성한 코드의 가중치: 평균 {mean}, 표준편차 {std}, 최솟값 {low}, 최댓값 {high}",
    ),
    (
        r"this assignment asks you to write attention yourself: your module uses (?P<what>.+), "
        r"which is not allowed \(no F\.scaled_dot_product_attention, nn\.MultiheadAttention or "
        r"nn\.Transformer\*; use matrix products, masked_fill and softmax\)",
        "이 과제에서는 어텐션을 직접 작성해야 하는데, 모듈이 허용되지 않는 API를 씁니다: {what}"
        " (F.scaled_dot_product_attention, nn.MultiheadAttention, nn.Transformer*는 쓸 수"
        " 없습니다. 행렬 곱, masked_fill, softmax를 쓰세요)",
    ),
    (
        r"(?P<have>\S+) of the entries are zero; expected about (?P<want>\S+) "
        r"\(p = (?P<p>\S+), train = (?P<train>\w+)\)(?P<note>.*)",
        "0인 항목의 비율 {have}, 기대한 비율은 약 {want} (p = {p}, train = {train}){note}",
    ),
    (
        r"the surviving entries are x times (?P<scale>\S+) \(largest deviation (?P<spread>\S+)\); "
        r"expected x times (?P<want>\S+) for every survivor(?P<note>.*)",
        "살아남은 항목이 x의 {scale}배입니다 (가장 큰 편차 {spread})."
        " 살아남은 모든 항목이 x의 {want}배여야 합니다{note}",
    ),
    (
        r"dx differs from dout times the factor your forward applied \(0 or its scale\) in "
        r"(?P<share>\S+) of the entries: the backward must use the same mask as the forward, "
        r"scaled the same way",
        "항목의 {share}에서 dx가 dout에 순방향 함수가 적용한 인수(0 또는 스케일)를 곱한 값과"
        " 다릅니다. 역방향 함수는 순방향 함수와 같은 마스크를 같은 스케일로 써야 합니다",
    ),
    (
        r"dx differs from dout in (?P<share>\S+) of the entries: in eval mode the backward "
        r"pass is the identity",
        "항목의 {share}에서 dx가 dout과 다릅니다. 평가 모드에서 역전파는 항등 함수입니다",
    ),
    (
        r"argument (?P<index>\d+) was modified in place; compute new arrays instead of "
        r"writing into your inputs",
        "인자 {index}번이 제자리에서 바뀌었습니다. 입력에 쓰지 말고 새 배열을 만드세요",
    ),
    (
        r"(?P<what>.+?) was modified in place(?:; work on copies)?",
        "{what}: 제자리에서 바뀌었습니다. 복사본에서 작업하세요",
    ),
    (
        r"(?P<what>.+?) contains? inf or nan",
        "{what}: inf나 nan이 들어 있습니다",
    ),
    (
        r"the (?:run|call) did not complete normally",
        "실행이 정상적으로 끝나지 않았습니다",
    ),
    (
        r"expected a float array, got (?P<type>\S+)",
        "실수 배열이 나와야 하는데 {type} 값이 돌아왔습니다",
    ),
    (
        r"wrong shape: expected (?P<want>\([^)]*\)), got (?P<got>\([^)]*\))",
        "모양이 다릅니다. 기대한 모양 {want}, 돌아온 모양 {got}",
    ),
    (
        rf"{_WHAT}: expected a dict, got (?P<type>\S+)",
        "{what}: dict가 나와야 하는데 {type} 값이 돌아왔습니다",
    ),
    (
        r"expected (?P<function>\w+) to return \((?P<names>[^)]*)\)",
        "{function}: 돌려줘야 하는 값은 ({names})입니다",
    ),
    (
        r"expected a tuple \((?P<names>[^)]*)\)",
        "튜플 ({names})이 나와야 합니다",
    ),
    (
        r"expected one number per step, got (?P<got>.+)",
        "단계마다 숫자 하나가 나와야 하는데 돌아온 것: {got}",
    ),
    (
        r"two calls with the same seed gave different outputs: draw the mask from "
        r"np\.random\.default_rng\(seed\) only",
        "같은 시드로 두 번 호출했는데 출력이 다릅니다. 마스크는 np.random.default_rng(seed)에서만 뽑으세요",
    ),
    (
        r"seeds (?P<first>\d+) and (?P<second>\d+) gave the same output",
        "시드 {first}, {second}에서 같은 출력이 나왔습니다",
    ),
    (
        r"two calls with seed=None gave the same output: seed=None must draw a fresh mask "
        r"each time",
        "seed=None으로 두 번 호출했는데 출력이 같습니다. seed=None이면 매번 새 마스크를 뽑아야 합니다",
    ),
    (
        r"step\(\) must return a bool, got (?P<got>.+)",
        "step()은 bool을 돌려줘야 하는데 돌아온 것: {got}",
    ),
    (
        r"best_step is still None after (?P<count>\d+) calls",
        "{count}번 호출한 뒤에도 best_step이 None입니다",
    ),
    (
        r"step modified a gradient array it was given \((?P<which>[^)]*)\): gradients belong "
        r"to the caller; build new arrays \(g = g \+ \.\.\.\) instead of updating them in "
        r"place \(g \+= \.\.\.\), and copy a gradient before keeping it as state that you "
        r"later update in place",
        "step이 받은 기울기 배열({which})을 바꿨습니다. 기울기는 호출한 쪽의 것입니다."
        " 제자리에서 갱신하지 말고(g += ...) 새 배열을 만드세요(g = g + ...)."
        " 기울기를 상태로 보관했다가 나중에 제자리에서 갱신한다면 먼저 복사하세요",
    ),
    (
        r"(?P<which>params\[\d+\]) held by the caller never changed: update each parameter "
        r"array in place \(p -= \.\.\., or p\[\.\.\.\] = \.\.\.\); p = p - \.\.\. only "
        r"rebinds a local name",
        "호출한 쪽이 가진 배열 {which}의 값이 바뀌지 않았습니다. 각 파라미터 배열을 제자리에서"
        " 갱신하세요(p -= ... 또는 p[...] = ...). p = p - ...는 지역 이름만 다시 묶습니다",
    ),
    (
        r"opt\.params no longer holds the caller's arrays \(keep self\.params as given\)",
        "opt.params가 더는 호출한 쪽의 배열을 가리키지 않습니다 (self.params는 받은 그대로 두세요)",
    ),
    (
        r"returned None: return the total norm before clipping",
        "None을 돌려줬습니다. 클리핑하기 전의 전체 노름을 돌려주세요",
    ),
    (
        r"the gradients' total norm exceeds max_norm, yet the caller's grads did not change: "
        r"scale the given arrays in place \(g \*= \.\.\.\); new arrays never reach the caller",
        "기울기들의 전체 노름이 max_norm보다 큰데 호출한 쪽의 grads가 바뀌지 않았습니다."
        " 받은 배열을 제자리에서 스케일링하세요(g *= ...). 새 배열은 호출한 쪽에 닿지 않습니다",
    ),
    (
        r"two forward passes of the same input in eval mode differ: dropout must be off in "
        r"eval mode \(use nn\.Dropout modules, or pass training=self\.training\)",
        "평가 모드에서 같은 입력으로 두 번 순전파한 결과가 다릅니다. 평가 모드에서는 드롭아웃이"
        " 꺼져야 합니다 (nn.Dropout 모듈을 쓰거나 training=self.training을 넘기세요)",
    ),
]

# Names of compared values (`what`) that the checks write in English.
CHECK_PHRASES: dict[str, str] = {
    ", each on the gradient of a bowl at the current params": (
        ", 매번 현재 params에서 구한 그릇 모양 함수의 기울기로"
    ),
    "mean loss (batch losses weighted by batch size)": "평균 손실 (배치 크기로 가중한 배치 손실)",
    "weights after each optimizer step (one row per step)": (
        "옵티마이저 단계마다의 가중치 (단계마다 한 행)"
    ),
    "batch-norm running statistics (only train-mode forward passes update them)": (
        "배치 정규화의 이동 평균·이동 분산 (학습 모드 순전파만 갱신함)"
    ),
    "accuracy (fraction of all examples)": "정확도 (전체 예제 중 맞힌 비율)",
    "mode afterwards (1 = train; it was train before the call)": (
        "호출 뒤의 모드 (1 = 학습, 호출 전에는 학습 모드)"
    ),
    "mode afterwards (1 = train; it was eval before the call)": (
        "호출 뒤의 모드 (1 = 학습, 호출 전에는 평가 모드)"
    ),
    "autograd on during a forward pass (1 = yes; evaluate runs under torch.no_grad())": (
        "순전파 중 autograd 켜짐 (1 = 예, evaluate는 torch.no_grad() 아래에서 실행)"
    ),
    "train mode during a forward pass (1 = yes; evaluate runs in eval mode)": (
        "순전파 중 학습 모드 (1 = 예, evaluate는 평가 모드에서 실행)"
    ),
    "running statistics and weights unchanged (last entry 1 = unchanged)": (
        "이동 평균·이동 분산과 가중치가 그대로인지 (마지막 항목 1 = 그대로)"
    ),
    'history["lr"] (the learning rate of each epoch\'s last update)': (
        'history["lr"] (각 에폭 마지막 업데이트의 학습률)'
    ),
    "the learning rate of every AdamW update, in order": "AdamW 업데이트마다의 학습률 (순서대로)",
    "the weights when fit returns": "fit이 끝났을 때의 가중치",
    "lr at each step (index = position in the list of steps)": (
        "단계마다의 lr (인덱스 = 단계 목록에서의 위치)"
    ),
    "fold table (1 = validation, 2 = train)": "폴드 표 (1 = 검증, 2 = 학습)",
}
