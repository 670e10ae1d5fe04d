"""``latm mcp``: the toolbox served over the Model Context Protocol, the third front end beside
the CLI and the language server, on the same core (workspace, registry, sandbox, dispatcher).

- ``schema``: a tool's entry function as JSON Schema (``ast`` only), and argument checks;
- ``catalog``: the verified tools as MCP tool definitions;
- ``calls``: an agent's call of a tool, in the sandbox; ``own_tools``: latm_solve, latm_list,
  latm_make; ``results``: replies and error results;
- ``notify``: list changes and progress sent to clients; ``server``: the SDK server's handlers;
- ``serve``: the process (workspace, watcher, stdio or streamable HTTP).
"""
