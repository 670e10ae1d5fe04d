"""The manifest of a proven tool: what was verified, on which sandbox, where it came from."""

from __future__ import annotations

from typing import Optional, Sequence

from latm.bookkeeping import utc_now
from latm.source import signature, summary
from latm.toolbox.manifest import (
    Example, HistoryEntry, Manifest, ParserEntry, Provenance, UseCase, Verification, tool_hash,
)


def proven_manifest(
    name: str,
    code: str,
    entry: str,
    examples: Sequence[Example],
    use_cases: Sequence[UseCase],
    *,
    parser_verified_on: int,
    origin: str,
    maker_model: str,
    sandbox_backend: str,
    requirements: Sequence[str] = (),
) -> Manifest:
    """Every use case and (with a parser) every example passed: passed == total, as test_tool.py counts."""
    parser: Optional[ParserEntry] = ParserEntry(verified_on=parser_verified_on) if parser_verified_on else None
    total = len(use_cases) + (len(examples) if parser else 0)
    first = examples[0].question.splitlines()[0] if examples else name
    return Manifest(
        name=name,
        summary=summary(code, entry, f"Answers questions like: {first[:120]}"),
        entry=entry,
        signature=signature(code, entry),
        provenance=Provenance(origin=origin, maker_model=maker_model, created=utc_now()),
        verification=Verification(passed=total, total=total, verified_at=utc_now(), sandbox=sandbox_backend),
        examples=tuple(examples),
        use_cases=tuple(use_cases),
        parser=parser,
        history=(HistoryEntry(1, utc_now(), tool_hash(code), origin, maker_model, len(examples)),),
        requirements=tuple(requirements),
    )
