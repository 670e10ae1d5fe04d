"""Every command of the CLI, one module per family; importing this module registers them all."""

from latm.cli.base import COMMANDS, Result
from latm.cli import toolbox  # noqa: F401  (registers list, show, check)
from latm.cli import route  # noqa: F401  (registers route)
from latm.cli import questions  # noqa: F401  (registers pending, stats)
from latm.cli import sandbox  # noqa: F401  (registers sandbox build|status)
from latm.cli import make  # noqa: F401  (registers make, verify, import-latm)
from latm.cli import solve  # noqa: F401  (registers solve)
from latm.cli import trust  # noqa: F401  (registers trust)
from latm.cli import evaluate  # noqa: F401  (registers eval)
from latm.cli import living  # noqa: F401  (registers feedback, repair, history, rollback, prune)

__all__ = ["COMMANDS", "Result"]
