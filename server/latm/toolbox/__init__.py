"""The toolbox on disk: ``toolbox/NAME/{tool.py, tool.toml, test_tool.py}``, in the format users commit.

- ``manifest``: ``tool.toml`` read and written strictly (``Manifest``, ``Example``, ``UseCase`` …)
- ``registry``: every tool of a toolbox, loaded and validated (``Registry``, ``Tool``, ``Problem``)
- ``store``: atomic writes and deletes; ``reading``: files read only as regular files, never links
- ``state``: verified, regressed, edited or unverified; ``report``: the JSON of tools for front ends
- ``names``: tool names; ``watch``: the folder watched (watchfiles is loaded in the watcher's thread)
"""

from latm.toolbox.manifest import Example, Manifest, UseCase, dumps
from latm.toolbox.names import NAME_RE, name_from_question, suggest_name, validate_name
from latm.toolbox.reading import Refused, read_file
from latm.toolbox.registry import ERROR, Problem, Registry, Tool
from latm.toolbox.report import problem_record, tool_details, tool_list, tool_record, verification_text
from latm.toolbox.state import EDITED, EDITED_CODE, REGRESSED, REGRESSED_CODE, regression_summary
from latm.toolbox.requirements_file import is_current as requirements_current, write as write_requirements
from latm.toolbox.store import delete_tool
from latm.toolbox.watch import ToolboxWatcher, tool_names

__all__ = [
    "EDITED", "EDITED_CODE", "ERROR", "Example", "Manifest", "NAME_RE", "Problem", "REGRESSED", "REGRESSED_CODE",
    "Refused", "Registry", "Tool", "ToolboxWatcher", "UseCase", "delete_tool", "dumps", "name_from_question",
    "problem_record", "read_file", "regression_summary", "requirements_current", "suggest_name", "tool_details",
    "tool_list", "tool_names", "tool_record", "validate_name", "verification_text", "write_requirements",
]
