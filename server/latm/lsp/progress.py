"""A job's progress as LSP work-done progress, and the editor's cancel as a ``CancelToken``.

A job reports from its thread; every ``$/progress`` is posted to the event loop. The
editor's ``window/workDoneProgress/cancel`` (or ``$/cancelRequest`` of the command) sets the
token, and the job stops at its next check.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Optional

from lsprotocol import types

from latm.lsp.session import Session
from latm.progress import CancelToken, ProgressEvent

log = logging.getLogger(__name__)
CREATE_WAIT_S = 5.0


class JobProgress:
    def __init__(self, session: Session, title: str) -> None:
        self.session = session
        self.title = title
        self.token = f"latm-{uuid.uuid4().hex[:12]}"
        self.cancel = CancelToken()
        self._percent = 0
        self._shown = False

    async def __aenter__(self) -> "JobProgress":
        self.session.cancels[self.token] = self.cancel
        window = self.session.ls.client_capabilities.window
        if window is None or not window.work_done_progress:
            return self
        progress = self.session.ls.work_done_progress
        try:
            await asyncio.wait_for(progress.create_async(self.token), CREATE_WAIT_S)
        except Exception as err:  # refused or unanswered: work on without a progress display
            log.info("client refused a progress token: %s", err)
            return self
        self._shown = True
        progress.begin(self.token, types.WorkDoneProgressBegin(title=self.title, cancellable=True, percentage=0))
        return self

    async def __aexit__(self, kind: Optional[type], error: Optional[BaseException], _tb: object) -> None:
        self.session.cancels.pop(self.token, None)
        if not self._shown:
            return
        message = "done" if error is None else ("cancelled" if self.cancel.cancelled else "failed")
        self.session.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
        self.session.ls.work_done_progress.tokens.pop(self.token, None)

    def report(self, event: ProgressEvent) -> None:
        """The job's ``ProgressCallback``; called from its thread."""
        log.info("%s: %s", self.title, event.message)
        if not self._shown:
            return
        if event.fraction is not None:  # the protocol wants it never to go back
            self._percent = max(self._percent, min(100, int(event.fraction * 100)))
        value = types.WorkDoneProgressReport(message=event.message, percentage=self._percent, cancellable=True)
        self.session.post(self.session.ls.work_done_progress.report, self.token, value)


def cancel(session: Session, token: types.ProgressToken) -> None:
    """``window/workDoneProgress/cancel``: stop the job that reports under ``token``."""
    found = session.cancels.get(token)
    if found is not None:
        log.info("cancel requested for %s", token)
        found.cancel()
