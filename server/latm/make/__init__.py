"""Making tools and keeping them right: examples in, a verified tool in the toolbox out.

Every function takes a workspace (``latm.workspace.Workspace``: root, settings, registry, state
folder, sandbox) and runs all model-written code in its sandbox.

- ``make_tool(ws, examples, name, *, progress, cancel) -> MakeResult`` (``new_tool``;
  the conversation with the maker model is ``conversation``)
- ``verify_tool(ws, name, *, progress) -> VerifyResult``
- ``import_latm(ws, transcript_path, name, *, progress) -> MakeResult``
"""

from latm.make.importer import import_latm
from latm.make.new_tool import MakeResult, make_tool
from latm.make.verify import VerifyResult, verify_tool

__all__ = ["MakeResult", "VerifyResult", "import_latm", "make_tool", "verify_tool"]
