"""The ``latm`` command line (``main``): one module per family of commands, each a function of
(workspace, parsed arguments) returning a ``Result`` (``base``); ``commands`` loads the one that runs."""
