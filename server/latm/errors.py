"""Errors a user can act on. Each carries the sentence the user reads (``str(err)``)."""

from __future__ import annotations


class LatmError(Exception):
    """Base of every error latm reports to a person rather than as a crash."""


class SettingsError(LatmError):
    pass


class InvalidToolName(LatmError):
    pass


class ToolNotFound(LatmError):
    pass


class ToolboxError(LatmError):
    pass


class NotEnoughExamples(LatmError):
    pass


class LLMUnavailable(LatmError):
    """The endpoint cannot be reached, refuses the key, or does not know the model."""


class NoApiKey(LLMUnavailable):
    """No key in the variable ``api_key_env`` names; an editor may say how a key is set there."""


class LLMReplyError(LatmError):
    """The model answered, but nothing usable could be read from the answer."""


class VerificationFailed(LatmError):
    pass


class EmptyQuestion(LatmError):
    pass


class UnknownGroup(LatmError):
    """A pending-question group id that ``latm pending`` does not list (any more)."""


class SandboxUnavailable(LatmError):
    pass


class ImageMissing(SandboxUnavailable):
    """Docker answers, but the sandbox image is not built (or holds another latm's worker)."""

    def __init__(self, message: str, image: str = "") -> None:
        super().__init__(message)
        self.image = image


class Cancelled(LatmError):
    def __init__(self, message: str = "Cancelled; nothing was written.") -> None:
        super().__init__(message)
