"""``latm serve``: the language server, a front end over latm's packages (pygls, stdio).

``server.build_server(root)`` wires the protocol (``protocol``, ``framing``), one ``session``
per workspace, code actions (``actions``, ``living_actions``), hover, diagnostics and the
``latm.*`` commands (``execute``; their handlers in ``make``, ``solve``, ``living``, ``evaluate``).
"""
