"""The append-only ledger of model calls: ``.latm/ledger.jsonl`` in the workspace.

One JSON line per HTTP attempt (time, role, model, tool, tokens, cost, latency, outcome), so a
person can see what making and using tools cost. It never holds a key, a prompt or a reply.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

from latm.bookkeeping import append_record, keep, read_records, utc_now

LEDGER_NAME = "ledger.jsonl"


@dataclass(frozen=True)
class LedgerEntry:
    role: str
    model: str
    outcome: str  # "ok", "rate_limited", "server_error", "timeout", "bad_key", ... "cancelled"
    tool: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: Optional[float] = None  # None when the model is not in the price table
    latency_ms: float = 0.0
    attempt: int = 1
    time: str = ""


class Ledger:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    def in_state_dir(cls, state_dir: Path) -> "Ledger":
        return cls(Path(state_dir) / LEDGER_NAME)

    def append(self, entry: LedgerEntry) -> None:
        """Bookkeeping: a ledger that cannot be written is a warning, never a failed model call."""
        record = asdict(entry)
        record["time"] = record["time"] or utc_now()
        keep(self.path, lambda: append_record(self.path, record))

    def entries(self) -> list[dict]:
        """Every readable line; a torn or foreign line is skipped, not fatal."""
        return read_records(self.path)[0]
