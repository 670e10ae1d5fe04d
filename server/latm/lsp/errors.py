"""How an error reaches the editor.

Bad arguments: ``InvalidParams``. A cancelled job: ``RequestCancelled``. A failure of the model
endpoint or the sandbox: a ``window/showMessage`` the user sees, detail in the log, and a
``RequestFailed`` error whose data says it was shown (``{"type", "shown": true}``), so a client
need not show it twice. Other user errors: ``RequestFailed`` with the sentence to show; a missing
API key is one of them, as only the editor knows how a key is set there (VS Code: a command).
A bug: a popup too, and ``InternalError`` with the same ``shown`` data.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable

from lsprotocol import types
from pygls.exceptions import (
    JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams, JsonRpcRequestCancelled,
)

from latm.errors import (
    Cancelled, InvalidToolName, LatmError, LLMReplyError, LLMUnavailable, NoApiKey, SandboxUnavailable,
    VerificationFailed,
)
from latm.lsp.session import Session
from latm.safe_text import escape_controls

log = logging.getLogger(__name__)

REQUEST_FAILED = types.LSPErrorCodes.RequestFailed.value
# Failures outside the user's text: the model endpoint, the sandbox, a make that never verified.
SHOWN = (LLMUnavailable, LLMReplyError, SandboxUnavailable, VerificationFailed)


async def guarded(session: Session, what: str, work: Awaitable[Any]) -> Any:
    try:
        return await work
    except (JsonRpcException, asyncio.CancelledError):
        raise
    except InvalidToolName as err:
        raise JsonRpcInvalidParams(f"{what}: {err}") from None
    except Cancelled as err:
        raise JsonRpcRequestCancelled(str(err)) from None
    except NoApiKey as err:
        log.info("%s: %s", what, err)
        raise _failed(err, shown=False) from None
    except SHOWN as err:
        log.warning("%s failed: %s", what, err, exc_info=log.isEnabledFor(logging.DEBUG))
        session.show(f"latm: {err}", types.MessageType.Error)
        raise _failed(err, shown=True) from None
    except LatmError as err:
        log.info("%s: %s", what, err)
        raise _failed(err, shown=False) from None
    except Exception as err:
        log.exception("%s failed unexpectedly", what)
        session.show(f"latm: {what} failed unexpectedly: {err} (details in the server log)", types.MessageType.Error)
        raise JsonRpcException(
            escape_controls(f"{what} failed unexpectedly: {err}"), code=JsonRpcInternalError.CODE,
            data={"type": type(err).__name__, "shown": True},
        ) from None


def _failed(err: LatmError, shown: bool) -> JsonRpcException:
    return JsonRpcException(escape_controls(str(err)), code=REQUEST_FAILED, data={"type": type(err).__name__, "shown": shown})
