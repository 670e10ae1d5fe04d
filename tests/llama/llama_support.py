"""Helpers of the llama.cpp smoke suite."""

import dataclasses
import json


def with_settings(ws, **changes):
    ws.settings = dataclasses.replace(ws.settings, **changes)
    return ws


def ledger_of(ws) -> list[dict]:
    path = ws.state_dir / "ledger.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
