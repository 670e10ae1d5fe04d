"""Talking to models: one chat client for the three roles (maker, user, dispatcher) on any
OpenAI-compatible endpoint (``client``), the ledger of every call (``ledger``), and reading the
code out of a reply (``replies``)."""

from latm.llm.client import LLMClient, LLMReply
from latm.llm.ledger import Ledger

__all__ = ["LLMClient", "LLMReply", "Ledger"]
