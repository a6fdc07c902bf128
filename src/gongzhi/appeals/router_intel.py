"""The trained routing classifier behind the appeals `Router` interface.

A community's own history is the best teacher: `gongzhi appeals_train` trains a
`gongzhi.intel.classifier.Model` on the platform's appeals (their category codes are the labels)
and publishes it in ``GONGZHI_APPEAL_MODEL_DIR`` as ``<version>/`` plus a ``CURRENT`` file naming
it, written atomically. With ``GONGZHI_APPEAL_ROUTER = "auto"`` (the default outside tests)
intake uses the current model when there is one and the keyword router otherwise.

Each process keeps the loaded model and looks at ``CURRENT`` again at most once a minute, so a
retrain reaches every server and worker process without a restart.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from gongzhi.intel.classifier import Model, ModelError, Router

CURRENT_FILE = "CURRENT"
RECHECK_SECONDS = 60.0


def model_dir() -> Path:
    return Path(getattr(settings, "GONGZHI_APPEAL_MODEL_DIR", Path(settings.VAR_DIR) / "models"))


def current_version(base: Path | None = None) -> str | None:
    """The published version's directory name, or None when no model was published."""
    base = base or model_dir()
    try:
        version = (base / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return version if version and (base / version).is_dir() else None


def publish(model: Model, base: Path | None = None) -> Path:
    """Save ``model`` under a new version directory and make it current (atomic rename)."""
    base = base or model_dir()
    base.mkdir(parents=True, exist_ok=True)
    version = str(model.metadata.get("version") or time.strftime("%Y%m%d%H%M%S"))
    target = base / version
    suffix = 1
    while target.exists():
        suffix += 1
        target = base / f"{version}-{suffix}"
    model.save(target)
    fd, tmp = tempfile.mkstemp(dir=base, prefix=".current.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(target.name + "\n")
    os.replace(tmp, base / CURRENT_FILE)
    return target


@dataclass
class _Loaded:
    version: str | None
    router: Router | None
    checked_at: float


class ModelRouter:
    """Suggests a category with the current trained model; None-safe when there is none."""

    def __init__(self, base: Path | None = None, *, threshold: float = 0.6) -> None:
        self._base = base
        self._threshold = threshold
        self._lock = threading.Lock()
        self._loaded = _Loaded(None, None, -RECHECK_SECONDS)

    def current(self) -> Router | None:
        now = time.monotonic()
        loaded = self._loaded
        if now - loaded.checked_at < RECHECK_SECONDS:
            return loaded.router
        with self._lock:
            loaded = self._loaded
            if now - loaded.checked_at < RECHECK_SECONDS:
                return loaded.router
            base = self._base or model_dir()
            version = current_version(base)
            router = loaded.router if version == loaded.version else None
            if version is not None and router is None:
                try:
                    router = Router(Model.load(base / version), threshold=self._threshold)
                except ModelError:
                    router, version = None, None  # a broken publish: keep routing by keyword
            self._loaded = _Loaded(version, router, now)
            return router

    def suggest(self, text: str) -> Any:
        router = self.current()
        if router is None:
            raise LookupError("no trained model is published")
        return router.suggest(text)
