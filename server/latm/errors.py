"""Errors a user can act on. Each carries the sentence the user reads (``str(err)``)."""

from __future__ import annotations


class LatmError(Exception):
    """Base of every error latm reports to a person rather than as a crash."""

    exit_code = 1  # the CLI's exit status


class InputFileError(LatmError):
    """A file the user named (examples, questions, a transcript) cannot be read as text."""

    exit_code = 2


class SettingsError(LatmError):
    pass


class InvalidToolName(LatmError):
    pass


class ToolNotFound(LatmError):
    pass


class ToolboxError(LatmError):
    pass


class ToolChanged(ToolboxError):
    """A tool's files changed on disk while latm worked from what it had read; nothing was written."""


class NotEnoughExamples(LatmError):
    pass


class LLMUnavailable(LatmError):
    """The endpoint cannot be reached, refuses the key, or does not know the model."""


class NoApiKey(LLMUnavailable):
    """No key in the variable ``api_key_env`` names; an editor may say how a key is set there."""


class LLMReplyError(LatmError):
    """The model answered, but nothing usable could be read from the answer."""


class LLMTruncated(LLMReplyError):
    """The reply reached the role's max_tokens and is cut off; ``reply`` (an LLMReply) is what came."""

    def __init__(self, message: str, reply: object) -> None:
        super().__init__(message)
        self.reply = reply


class LLMContextOverflow(LLMReplyError):
    """The conversation no longer fits the model's context window."""


class VerificationFailed(LatmError):
    pass


class AlreadyAnswered(LatmError):
    """A make refused because a tool in the toolbox already answers every example."""

    exit_code = 3


class EmptyQuestion(LatmError):
    pass


class UnknownGroup(LatmError):
    """A pending-question group id that ``latm pending`` does not list (any more)."""


class SandboxUnavailable(LatmError):
    pass


class BadEvalInput(LatmError):
    """``latm eval`` cannot run as asked: a data set without answers, an unreadable prompt file, a tool name taken."""


class ImageMissing(SandboxUnavailable):
    """Docker answers, but the sandbox image is not built (or holds another latm's worker)."""

    def __init__(self, message: str, image: str = "") -> None:
        super().__init__(message)
        self.image = image


class Cancelled(LatmError):
    def __init__(self, message: str = "Cancelled; nothing was written.") -> None:
        super().__init__(message)


class PackagesRefused(LatmError):
    """A tool needs a package the user's ``allowed_packages`` does not allow, or a requirement
    string latm does not hand to pip (a URL, a path, an option)."""


class PackagesUnavailable(LatmError):
    """The packages a tool needs could not be fetched, checked or installed (no wheel, a hash that
    differs, pip failing)."""
