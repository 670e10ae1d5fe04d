"""Code-action kinds latm offers (announced in the server's capabilities)."""

MAKE = "refactor.latm.makeTool"
SOLVE = "refactor.latm.solve"
CORRECT = "refactor.latm.correctAnswer"
REPAIR = "quickfix.latm.repairTool"
ACCEPT_EDIT = "quickfix.latm.acceptEdit"
KINDS = (MAKE, SOLVE, CORRECT, REPAIR, ACCEPT_EDIT)
