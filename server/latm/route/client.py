"""One LLM client per workspace for routing and unknown questions, writing to its ledger."""

from __future__ import annotations

import threading
import weakref

from latm.llm.client import LLMClient
from latm.make.new_tool import llm_client
from latm.workspace import Workspace

_clients: "weakref.WeakKeyDictionary[Workspace, LLMClient]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def client_for(ws: Workspace) -> LLMClient:
    """The workspace's client; rebuilt when its settings object is replaced (new models, endpoint)."""
    with _lock:
        client = _clients.get(ws)
        if client is None or client.settings is not ws.settings:
            client = llm_client(ws)
            _clients[ws] = client
        return client
