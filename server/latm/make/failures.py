"""A failed or cancelled make leaves its conversation and last error in ``.latm/failed/``."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from latm.state_folder import require_fit


def save_failed(state_dir: Path, name: str, stage: str, error: str, messages: list[dict]) -> Path:
    """Write ``.latm/failed/<name>-<time>.json`` atomically; return its path. Raises OSError."""
    folder = Path(state_dir) / "failed"
    require_fit(folder)
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(timezone.utc)
    path = folder / f"{name}-{now.strftime('%Y%m%dT%H%M%S.%f')[:-3]}Z.json"
    record = {"name": name, "time": now.isoformat(timespec="seconds").replace("+00:00", "Z"), "stage": stage,
              "error": error, "messages": messages}
    fd, tmp = tempfile.mkstemp(prefix=".failed-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(record, out, ensure_ascii=False, indent=1)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)  # a full disk leaves no half-written record behind
        raise
    return path
