"""The CLI's commands, one module per area; importing this package registers them all."""

from latm.commands.base import COMMANDS, Result
from latm.commands import toolbox  # noqa: F401  (registers list, show, check)
from latm.commands import dispatch  # noqa: F401  (registers route, pending, stats)
from latm.commands import sandbox  # noqa: F401  (registers sandbox build|status)
from latm.commands import engine  # noqa: F401  (registers make, solve, verify, import-latm)
from latm.commands import trust  # noqa: F401  (registers trust)
from latm.commands import evaluate  # noqa: F401  (registers eval)
from latm.commands import living  # noqa: F401  (registers feedback, repair, history, rollback, prune)
from latm.commands import packages  # noqa: F401  (registers requirements)

__all__ = ["COMMANDS", "Result"]
