"""pygls' protocol, with ``$/cancelRequest`` reaching a command's own coroutine.

pygls 2.1.1 runs ``workspace/executeCommand`` through a generator that starts the command's
handler as a task of its own; a cancel only cancels the generator's result future. The client
is told "cancelled" while the command runs on (a make kept calling the model). Here a cancel
also cancels the task registered for that request, so the job's ``CancelToken`` is set.
"""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
from typing import Any, Iterator

from pygls.protocol import LanguageServerProtocol


class LatmProtocol(LanguageServerProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._handlers: dict[Any, asyncio.Task] = {}

    @contextmanager
    def cancellable(self) -> Iterator[None]:
        """Inside a request's handler: a cancel of the request cancels the current task."""
        msg_id, task = self.msg_id, asyncio.current_task()
        if msg_id is None or task is None:
            yield
            return
        self._handlers[msg_id] = task
        try:
            yield
        finally:
            self._handlers.pop(msg_id, None)

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        super()._handle_cancel_notification(msg_id)  # first: the client gets its RequestCancelled
        task = self._handlers.pop(msg_id, None)
        if task is not None:
            task.cancel()
