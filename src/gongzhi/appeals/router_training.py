"""Train the routing classifier on this platform's own appeals (`gongzhi appeals_train`).

The labels are the appeals' final category codes. Which appeals teach:

* categories a person chose or confirmed: chosen by the resident at intake, or corrected by
  staff (every recategorisation is kept: it is the strongest signal there is);
* categories the router suggested that staff then handled to a reply without correcting them
  (replied, closed): handling without a correction is a confirmation.

Router suggestions still open and never looked at teach nothing as labels; their texts are
given to the trainer as unlabelled examples (vocabulary and self-training). Before the final
model is trained on everything, a held-out split measures it against the keyword router on the
same appeals, so a retrain reports whether it helps.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q
from sklearn.metrics import f1_score

from gongzhi.appeals import config as appeals_config
from gongzhi.appeals.models import Appeal, CategorySource
from gongzhi.appeals.router_intel import publish
from gongzhi.appeals.routing import KeywordRouter, fallback_code, threshold
from gongzhi.core.errors import ValidationFailed
from gongzhi.intel.classifier import Model, Router, train

CONFIRMED = Q(category_source__in=[CategorySource.RESIDENT, CategorySource.STAFF]) | Q(
    category_source=CategorySource.ROUTER, state__in=["replied", "closed"]
)


@dataclass
class TrainReport:
    examples: int
    classes: int
    dropped_classes: dict[str, int]
    holdout: int
    model_macro_f1: float | None
    keyword_macro_f1: float | None
    seconds: float
    published: str | None = None
    per_class: dict[str, int] = field(default_factory=dict)


def training_data(*, limit: int) -> tuple[list[str], list[str], list[str]]:
    """(texts, labels, unlabelled texts), newest first, at most ``limit`` labelled."""
    labelled = list(
        Appeal.objects.filter(CONFIRMED)
        .exclude(category__code="")
        .order_by("-created_at")
        .values_list("text", "category__code")[:limit]
    )
    unlabelled = list(
        Appeal.objects.exclude(CONFIRMED)
        .order_by("-created_at")
        .values_list("text", flat=True)[: max(limit // 4, 0)]
    )
    return [t for t, _c in labelled], [c for _t, c in labelled], unlabelled


def _split(labels: list[str], share: float, seed: int) -> tuple[list[int], list[int]]:
    """A stratified split: ``share`` of each class held out (at least one when it has 3+)."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible split, not a secret
    by_class: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_class.setdefault(label, []).append(i)
    train_idx: list[int] = []
    test_idx: list[int] = []
    for members in by_class.values():
        rng.shuffle(members)
        n_test = round(len(members) * share) if len(members) >= 3 else 0
        test_idx += members[:n_test]
        train_idx += members[n_test:]
    return sorted(train_idx), sorted(test_idx)


def train_from_database(
    *,
    limit: int = 20_000,
    holdout: float = 0.2,
    min_per_class: int = 5,
    seed: int = 2026,
    dry_run: bool = False,
) -> TrainReport:
    """Measure on a held-out split, then train on everything and publish (unless dry_run)."""
    if not 0.0 <= holdout < 0.9:
        raise ValidationFailed("The held-out share must be between 0 and 0.9.", field="holdout")
    started = time.perf_counter()
    texts, labels, unlabelled = training_data(limit=limit)
    counts = Counter(labels)
    dropped = {c: n for c, n in counts.items() if n < min_per_class}
    keep = [i for i, c in enumerate(labels) if c not in dropped]
    texts = [texts[i] for i in keep]
    labels = [labels[i] for i in keep]
    if len(set(labels)) < 2:
        raise ValidationFailed(
            "Not enough confirmed appeals to train on: at least two categories with "
            f"{min_per_class} appeals each are needed.",
            field="appeals",
        )
    model_f1 = keyword_f1 = None
    train_idx, test_idx = _split(labels, holdout, seed)
    if holdout and test_idx:
        trial = train(
            [texts[i] for i in train_idx],
            [labels[i] for i in train_idx],
            unlabelled=unlabelled,
            prior=None,
        )
        truth = [labels[i] for i in test_idx]
        held_out = [texts[i] for i in test_idx]
        model_f1 = float(f1_score(truth, trial.predict_labels(held_out), average="macro"))
        keywords = KeywordRouter(
            appeals_config.get_config().categories.values(),
            fallback=fallback_code(),
            threshold=threshold(),
        )
        guessed = [keywords.suggest(t).category_code for t in held_out]
        keyword_f1 = float(f1_score(truth, guessed, average="macro", labels=sorted(set(truth))))
    report = TrainReport(
        examples=len(labels),
        classes=len(set(labels)),
        dropped_classes=dropped,
        holdout=len(test_idx),
        model_macro_f1=model_f1,
        keyword_macro_f1=keyword_f1,
        seconds=0.0,
        per_class=dict(Counter(labels)),
    )
    if not dry_run:
        model: Model = train(texts, labels, unlabelled=unlabelled, prior=None)
        model.metadata["source"] = f"appeals of this platform: {len(labels)} confirmed"
        report.published = publish(model).name
    report.seconds = round(time.perf_counter() - started, 2)
    return report


def router_from(model: Model) -> Router:
    return Router(model, threshold=threshold())
