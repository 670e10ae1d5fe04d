"""``make_tool``: examples in, a verified tool in the toolbox out, or nothing written at all."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence, Union

from latm import trust
from latm.examples import ExampleScan, split_examples
from latm.make import history, prompts
from latm.make.failures import save_failed
from latm.make.conversation import Maker, StageFailed
from latm.make.manifests import proven_manifest
from latm.errors import Cancelled, LatmError, ToolChanged, VerificationFailed
from latm.progress import CancelToken, ProgressCallback, no_progress
from latm.toolbox.manifest import Example, Manifest
from latm.toolbox.names import validate_name
from latm.toolbox.store import ToolFiles, Written, basis, save_tool

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MakeResult:
    name: str
    path: Path
    manifest: Manifest
    attempts: dict[str, int]  # tries used per stage
    tokens_in: int
    tokens_out: int
    cost_usd: Optional[float]
    notes: tuple[str, ...]  # e.g. "saved without a question parser: ..."

    def record(self) -> dict:
        """The JSON of a make (or an import): ``latm make --json``, ``latm.makeTool``, ``latm_make``."""
        v = self.manifest.verification
        return {"name": self.name, "path": str(self.path), "verified": v.total > 0 and v.passed == v.total,
                "passed": v.passed, "total": v.total, "sandbox": v.sandbox, "parser": self.manifest.parser is not None,
                "attempts": dict(self.attempts), "tokens_in": self.tokens_in, "tokens_out": self.tokens_out,
                "cost_usd": self.cost_usd, "notes": list(self.notes)}


def make_tool(ws, examples: Union[ExampleScan, Sequence[Example]], name: str, *,
              progress: ProgressCallback = no_progress, cancel: Optional[CancelToken] = None) -> MakeResult:
    """Make, verify and write the tool ``name``; on any failure write nothing and raise."""
    validate_name(name)
    scan = examples if isinstance(examples, ExampleScan) else ExampleScan(examples=list(examples))
    settings = ws.settings
    chosen = split_examples(scan, settings.train_examples, settings.validation_examples)
    train, validation = chosen[: settings.train_examples], chosen[settings.train_examples:]
    cancel = cancel or CancelToken()
    based_on = basis(ws.toolbox_dir / name, "making")  # replaced only if still as it is now
    sandbox = ws.making_sandbox(progress)
    maker = Maker(settings, ws.llm(), sandbox, name=name, progress=progress, cancel=cancel,
                  library=prompts.library(sandbox.described()))
    try:
        made = maker.make(train, validation)
        manifest = proven_manifest(
            name, made.code, made.entry, chosen, made.use_cases, parser_verified_on=made.parser_verified_on,
            origin="made", maker_model=settings.maker_model, sandbox_backend=sandbox.status().backend,
            requirements=sandbox.requirements(made.code, *(u.code for u in made.use_cases)),
        )
        cancel.check()
        written = save_tool(ws.toolbox_dir, ToolFiles(manifest, made.code), based_on=based_on)
    except BaseException as err:
        explained = _explained(err, name, _keep_conversation(ws, name, maker, err))
        if explained is err:
            raise
        raise explained from err
    _trust_made(written, name)  # before the reload, so a server offers it to agents with its first listing
    ws.registry.reload({name})
    history.keep_copy(ws, manifest, made.code)
    return MakeResult(name, written.path, manifest, dict(maker.attempts), maker.tokens_in, maker.tokens_out,
                      maker.cost_usd, tuple(made.notes))


def _trust_made(written: Written, name: str) -> None:
    """A tool latm made here is trusted as written (agents are offered it over MCP): the user asked
    for it and their own maker model wrote it. Only the bytes latm wrote are trusted (``written``),
    not the folder as read again: another process's edit in between stays untrusted. Saving that
    is bookkeeping: when it fails, the tool is made but not offered yet."""
    try:
        trust.trust(written.path, written.fingerprint.digest, os.environ)
    except (LatmError, OSError) as err:
        log.warning("%s is made but could not be recorded as trusted (%s); run `latm trust --tool %s`",
                    name, err, name)


def _keep_conversation(ws, name: str, maker: Maker, err: BaseException) -> str:
    """Where the failed make's conversation was saved, or why it could not be (the make's own
    error is what the user must read either way)."""
    try:
        return f"The conversation so far is in {save_failed(ws.state_dir, name, maker.stage, str(err), maker.messages)}."
    except OSError as problem:
        return f"The conversation could not be saved in {ws.state_dir / 'failed'} ({problem.strerror or problem})."


def _explained(err: BaseException, name: str, where: str) -> BaseException:
    """The error the user reads: what failed, and where the conversation was kept."""
    if isinstance(err, StageFailed):
        return VerificationFailed(f"Could not make the tool '{name}': {str(err).rstrip('.')}. Nothing was written. {where}")
    if isinstance(err, Cancelled):
        return Cancelled(f"Cancelled making '{name}'; nothing was written. {where}")
    if isinstance(err, ToolChanged):  # already says that nothing was written, and why
        return ToolChanged(f"{err} {where}")
    if isinstance(err, LatmError):
        return type(err)(f"{err} Nothing was written for '{name}'. {where}")
    return err
