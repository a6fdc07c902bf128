"""The default routing model shipped with the platform.

It is trained only on generated appeals (:mod:`gongzhi.intel.synthetic`, community
scheme: 物业管理, 环境卫生, 噪音扰民, ...), so it may be redistributed; a community
replaces it by training on its own history (``gongzhi intel train``).  Rebuild it with
``python -m gongzhi.intel.cli build-default`` (same seed, same model).
"""

from __future__ import annotations

import functools
from pathlib import Path

from gongzhi.intel.classifier import Model, Router, TrainConfig, train
from gongzhi.intel.synthetic import generate
from gongzhi.intel.text import DATA_DIR

DEFAULT_MODEL_DIR = DATA_DIR / "default_model"
SCHEME = "community"
SIZE = 3000
SEED = 2024


def build(out: str | Path = DEFAULT_MODEL_DIR) -> Model:
    """Train the default model on the generated corpus and save it to ``out``."""
    appeals = list(generate(SIZE, scheme=SCHEME, seed=SEED))
    # Generated appeals are easier than real ones: cap the confidence scale at what
    # real appeals give (see TrainConfig.max_inverse_temperature).
    config = TrainConfig(max_inverse_temperature=4.0)
    model = train([a.text for a in appeals], [a.label for a in appeals], prior=None, config=config)
    model.metadata["source"] = f"generated corpus: scheme={SCHEME} n={SIZE} seed={SEED}"
    model.save(out)
    return model


@functools.lru_cache(maxsize=1)
def default_model() -> Model:
    """The shipped model, loaded once per process."""
    return Model.load(DEFAULT_MODEL_DIR)


def default_router(threshold: float = 0.6) -> Router:
    return Router(default_model(), threshold=threshold)
