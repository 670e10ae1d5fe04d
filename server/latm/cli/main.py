"""The ``latm`` command line: a front end of latm's packages, beside the language server and MCP.

Each command (in the family module ``latm.cli.commands`` names) returns a ``Result``: text for
people, data for ``--json``, and an exit code. Progress and warnings go to stderr, so stdout
stays clean for ``--json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Optional

from latm import __version__
from latm.cli.living_arguments import add_living_arguments
from latm.errors import LatmError
from latm.eval.arguments import add_arguments as add_eval_arguments
from latm.safe_text import escape_controls, has_lone_surrogates
from latm.workspace import Workspace

log = logging.getLogger("latm")


# Settings every command accepts as flags: the highest layer of the settings precedence.
SETTING_FLAGS = {
    "toolbox": str, "maker_model": str, "user_model": str, "dispatcher_model": str, "base_url": str,
    "sandbox": str, "sandbox_image": str, "timeout_s": float, "memory_mb": int, "max_retries": int,
    "on_unknown": str,
}


def _add_common(parser: argparse.ArgumentParser, defaults: bool) -> None:
    """The flags every command takes, before or after its name. Only the top level holds defaults:
    a subcommand's own default would overwrite what was given before the subcommand."""
    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    parser.add_argument("--root", type=Path, default=default(Path.cwd()), help="workspace folder (default: current folder)")
    parser.add_argument("--json", action="store_true", default=default(False), help="machine-readable output on stdout")
    parser.add_argument("-v", "--verbose", action="store_true", default=default(False),
                        help="debug logging on stderr, the HTTP client's too")
    for key, kind in SETTING_FLAGS.items():
        parser.add_argument("--" + key.replace("_", "-"), dest=key, type=kind, default=default(None), help=argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    _add_common(common, defaults=False)

    parser = argparse.ArgumentParser(
        prog="latm",
        description="LLMs as Tool Makers: make verified Python tools from solved examples, and use them.",
        epilog="Settings flags (any command): " + " ".join("--" + k.replace("_", "-") for k in SETTING_FLAGS),
    )
    parser.add_argument("--version", action="version", version=f"latm {__version__}")
    _add_common(parser, defaults=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], help=help_text, description=help_text)

    add("list", "list the tools in the toolbox")
    add("show", "show one tool: manifest, code, verification").add_argument("name")
    add("check", "validate the whole toolbox; exit 1 when a tool is broken")
    p = add("make", "make a verified tool from solved examples (a file, or - for stdin)")
    p.add_argument("examples", help="examples file: Question/Answer text, markdown table, JSON lines or BIG-Bench JSON")
    p.add_argument("--name", help="tool name (default: from the file name)")
    p.add_argument("--force", action="store_true", help="make it even when a tool already answers every example")
    p = add("solve", "answer a question with a tool")
    p.add_argument("question", nargs="?")
    p.add_argument("--tool", help="use this tool (default: the dispatcher picks)")
    p.add_argument("--batch", type=Path, help="JSON lines {\"question\": ...} in; one answer line per question out")
    p = add("route", "show which tool the dispatcher picks for a question, and why")
    p.add_argument("question")
    p.add_argument("--offline", action="store_true", help="decide from retrieval alone, no dispatcher model")
    p = add("import-latm", "import a tool transcript of the reference LATM implementation")
    p.add_argument("transcript", type=Path)
    p.add_argument("--name", required=True)
    add("verify", "re-run tools' tests in the sandbox and update their manifests").add_argument("name", nargs="?")
    p = add("pending", "list groups of questions no tool answered, and which are ready to become tools")
    p.add_argument("--answer", nargs=2, metavar=("QUESTION", "ANSWER"), help="confirm the answer of a question")
    p.add_argument("--examples", metavar="GROUP", help="print a ready group's examples as JSON lines (for `latm make -`)")
    p.add_argument("--make", metavar="GROUP", help="make a tool from a ready group")
    p.add_argument("--name", help="with --make: tool name (default: the group's suggested name)")
    add("stats", "uses, tokens and cost per tool, and what the functional cache saved")
    add_living_arguments(add)  # feedback, repair, history, rollback, prune
    p = add("serve", "run the language server over stdio (for editors)")
    p.add_argument("--log-file", type=Path, help="also log to this file")
    p = add("mcp", "serve the verified tools to agents over MCP (stdio; --http PORT for streamable HTTP)")
    p.add_argument("--http", type=int, metavar="PORT", help="serve http://HOST:PORT/mcp instead of stdio")
    p.add_argument("--host", default="127.0.0.1", help="with --http: the address to listen on (default: 127.0.0.1)")
    p = add("sandbox", "build the sandbox image or show which backend is active")
    p.add_argument("action", choices=["build", "status", "prune", "stop"],
                   help="prune: remove package images and folders no tool uses; stop: stop your sandbox keepers")
    p.add_argument("--offline", action="store_true", help="build the base from a Debian root filesystem (no registry needed)")
    p = add("requirements", "write toolbox/requirements.txt: every tool's packages, pinned with hashes, for your CI")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 when the file is missing or out of date")
    add_eval_arguments(add("eval", "evaluate a tool on a data set against baselines: accuracy, cost, break-even, plots"))
    p = add("trust", "let this workspace's project config choose where the API key goes (or, with --tool, offer "
                     "tools to agents), until the files change")
    either = p.add_mutually_exclusive_group()
    either.add_argument("--revoke", action="store_true", help="trust this workspace's project config no more")
    either.add_argument("--list", action="store_true", help="list the trusted project configs and whether each changed")
    p.add_argument("--tool", nargs="+", metavar="NAME",
                   help="trust these tools' files instead (read them first): `latm mcp` offers agents only trusted tools")
    return parser


def _logging(verbose: bool) -> None:
    """latm's own progress at INFO; other libraries' (httpx logs every request at INFO) only from
    WARNING, unless ``--verbose`` asks for everything. Lines are escaped like the rest of the output."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_EscapingFormatter("latm: %(message)s" if not verbose else "latm: %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, handlers=[handler])
    log.setLevel(logging.DEBUG if verbose else logging.INFO)


class _EscapingFormatter(logging.Formatter):
    """Log lines name the repository's files and quote tools and models: escaped like the rest."""

    def format(self, record: logging.LogRecord) -> str:
        return escape_controls(super().format(record))


FILE_ARGUMENTS = {"examples"}  # a file's name may be any bytes; its text is checked when it is read


def _not_text(args: argparse.Namespace) -> Optional[str]:
    """The first argument (a file name aside) holding bytes that are not UTF-8, which Python keeps
    as lone surrogates: a question, an answer or a name that no record could hold."""
    for key, value in vars(args).items():
        items = value if isinstance(value, list) else [value]
        if key not in FILE_ARGUMENTS and any(isinstance(i, str) and has_lone_surrogates(i) for i in items):
            return key.replace("_", " ")
    return None


def main(argv: Optional[list[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    not_text = _not_text(args)
    if not_text:
        print(f"latm: the {not_text} argument is not UTF-8 text; give it as UTF-8.", file=sys.stderr)
        return 2
    _logging(args.verbose)
    if args.command == "serve":
        from latm.lsp.server import serve

        return serve(args.root, log_file=args.log_file)
    if args.command == "mcp":
        from latm.mcp.serve import serve as serve_mcp

        return serve_mcp(args.root, {key: getattr(args, key) for key in SETTING_FLAGS}, args.http, args.host)
    from latm.cli.commands import Result, command  # the running command's packages: `latm serve` starts without them

    flags = {key: getattr(args, key) for key in SETTING_FLAGS}
    workspace = Workspace.open(args.root, flags=flags)
    for problem in workspace.problems:
        print(escape_controls(f"latm: warning: {problem}"), file=sys.stderr)
    failed = True  # an error's sentence goes to stderr; a command's own report to stdout
    try:
        result = command(args.command)(workspace, args)
        failed = False
    except (LatmError, OSError) as err:  # OSError: the machine's (a full disk), one line rather than a traceback
        result = Result(f"latm: {err}", {"error": str(err), "type": type(err).__name__}, getattr(err, "exit_code", 1))
    except KeyboardInterrupt:
        result = Result("latm: interrupted; nothing was written.", {"error": "interrupted"}, 130)
    finally:
        workspace.close()
    # Tools and models wrote parts of the text: no control character reaches the terminal raw.
    if args.json:
        print(escape_controls(json.dumps(result.data, indent=2, ensure_ascii=False)))
    else:
        print(escape_controls(result.text), file=sys.stderr if failed else sys.stdout)
    return result.code

