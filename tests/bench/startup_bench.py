"""Startup and one-shot latency: what a person waits for before latm answers at all.

    python tests/bench/startup_bench.py [--tools 1000] [--runs 7] [--out PATH]

Measures, each against real processes (raw JSON-RPC over stdio for the servers, no test client):
- ``latm serve``: spawning the process to the ``initialize`` answer, side by side with a bare
  pygls server that registers nothing (the floor: importing pygls and lsprotocol), runs
  interleaved so both see the same load; the ratio of the medians (target <= 1.3);
- the first ``textDocument/codeAction`` sent right after ``initialized``, while the rest loads
  (target <= 100 ms); it may hold only what needs no routing (the server answers before its
  routing index is loaded), so the time until a request names the routed tool ("Solve with
  tool: ...", asked again every 20 ms) is measured too;
- one-shot CLI in a workspace of ``--tools`` tools: ``latm route --offline Q`` and a zero-model
  ``latm solve Q`` (the committed word_sorting tool answers, in the sandbox latm picks: Docker
  where it runs; and again in the ``process`` sandbox), first run (caches cold) and the median of
  the others (target p50 <= 250 ms); ``python -I -c pass`` as the floor. Each solve twice: with
  the sandbox in-process (``sandbox_keep_s = 0``: every command starts its container or worker)
  and served by the sandbox keeper (its first run starts the keeper; the others find it warm);
- ``python -X importtime`` of ``latm serve`` (up to the answer) and ``latm solve``: the slowest
  imports, cumulative, so a regression names its import.

Every figure has its wall time and the CPU time the process used (user + system; on a busy
machine wall time waits for a core, CPU time much less so) and the 1-minute load average when it
was measured. The children run as an installed latm does: bytecode cached (in a temporary
PYTHONPYCACHEPREFIX, whatever PYTHONDONTWRITEBYTECODE says), so the first run compiles and the
others do not. The caches in ``.latm/cache/`` start empty: the first one-shot run builds them.

Prints a table with the machine's description and writes JSON (default
.latm/bench/startup_bench.json). Targets are printed beside the figures, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
REPO = HERE.parents[2]
TESTS = HERE.parents[1]
sys.path[:0] = [str(TESTS), str(HERE.parent)]

from benchlib import load_average, machine, machine_line, write_report  # noqa: E402
from route_bench import SYLLABLES, synthetic_examples, write_fast  # noqa: E402

TARGETS = {"initialize_ratio_to_bare_pygls": 1.3, "first_code_action_ms": 100.0, "one_shot_cli_p50_ms": 250.0}
BARE_PYGLS = "from pygls.lsp.server import LanguageServer; LanguageServer('bare', '0').start_io()"
QUESTION = "Sort the following words alphabetically: List: syndrome therefrom fig apple"


class RawClient:
    """Just enough JSON-RPC over a child's stdio to time requests; no test client in the way."""

    def __init__(self, argv: list[str], cwd: Path, env: dict) -> None:
        self.spawned = time.perf_counter()
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.next_id = 0

    def cpu_ms(self) -> float:
        """User + system time the server process has used so far (Linux; clock ticks, ~10 ms)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")

    def send(self, method: str, params: object, request: bool = True) -> int:
        message: dict = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.next_id += 1
            message["id"] = self.next_id
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()
        return self.next_id

    def answer(self, request_id: int) -> dict:
        """Read messages until the response to ``request_id`` (answering the server's own requests)."""
        while True:
            message = self._read()
            if message.get("id") == request_id and "method" not in message:
                return message
            if "method" in message and "id" in message:  # e.g. workspace/configuration, progress create
                reply = {"jsonrpc": "2.0", "id": message["id"], "result": [None] if "configuration" in message["method"] else None}
                body = json.dumps(reply).encode()
                self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
                self.proc.stdin.flush()

    def _read(self) -> dict:
        length = 0
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("the server closed its output")
            if line in (b"\r\n", b"\n"):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.proc.stdout.read(length))

    def close(self) -> None:
        try:
            self.answer(self.send("shutdown", None))
            self.send("exit", None, request=False)
            self.proc.wait(timeout=30)
        except Exception:
            self.proc.kill()
            self.proc.wait()


def initialize_params(root: Path) -> dict:
    return {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {},
            "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}]}


def time_initialize(argv: list[str], root: Path, env: dict) -> tuple[float, float]:
    """(wall, CPU) ms from spawning the server to its answer to ``initialize``."""
    client = RawClient(argv, root, env)
    try:
        client.answer(client.send("initialize", initialize_params(root)))
        return (time.perf_counter() - client.spawned) * 1000, client.cpu_ms()
    finally:
        client.close()


def first_code_action(root: Path, env: dict) -> dict:
    """initialize, initialized, open a document, ask for code actions at once: the first answer's delay."""
    client = RawClient([sys.executable, "-m", "latm", "serve"], root, env)
    try:
        client.answer(client.send("initialize", initialize_params(root)))
        client.send("initialized", {}, request=False)
        uri = (root / "notes.md").as_uri()
        client.send("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "markdown", "version": 1,
                                                               "text": QUESTION + "\n"}}, request=False)
        asked = time.perf_counter()
        titles = code_action_titles(client, uri)
        first = {"ms": (time.perf_counter() - asked) * 1000, "titles": titles}
        while not any(title.startswith("Solve with tool:") for title in titles):
            time.sleep(0.02)
            titles = code_action_titles(client, uri)
        return first | {"routed_ms": (time.perf_counter() - asked) * 1000, "routed_titles": titles}
    finally:
        client.close()


def code_action_titles(client: RawClient, uri: str) -> list[str]:
    reply = client.answer(client.send("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 3}, "end": {"line": 0, "character": 3}},
        "context": {"diagnostics": []}}))
    return [action.get("title") for action in reply.get("result") or []]


def code_actions(root: Path, env: dict, runs: int) -> dict:
    load = load_average()[0]
    clear_caches(root)
    done = [first_code_action(root, env) for _ in range(runs)]
    times, routed = [d["ms"] for d in done], [d["routed_ms"] for d in done]
    return {"first_ms": round(times[0], 1), "p50_ms": round(statistics.median(times), 1), "runs": runs,
            "titles": done[-1]["titles"], "routed_p50_ms": round(statistics.median(routed), 1),
            "routed_titles": done[-1]["routed_titles"], "load_1min": load}


def one_shot(argv: list[str], root: Path, env: dict, runs: int) -> dict:
    """Wall and CPU time of ``argv`` run to its end, ``runs`` times (the first with caches cold)."""
    load = load_average()[0]
    clear_caches(root)
    times, cpu, output = [], [], ""
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True)
        times.append((time.perf_counter() - started) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv[2:])} failed: {done.stderr.strip()[-400:]}")
        output = done.stdout.strip()
    rest = slice(1, None) if runs > 1 else slice(None)
    return {"first_ms": round(times[0], 1), "p50_ms": round(statistics.median(times[rest]), 1),
            "cpu_first_ms": round(cpu[0], 1), "cpu_p50_ms": round(statistics.median(cpu[rest]), 1),
            "runs": runs, "load_1min": load, "output": output.splitlines()[0] if output else ""}


def import_times(argv: list[str], root: Path, env: dict, stdin: bytes = b"", top: int = 12) -> list[dict]:
    """The slowest imports (cumulative microseconds) from ``python -X importtime``."""
    done = subprocess.run([sys.executable, "-X", "importtime", *argv], cwd=root, env=env, input=stdin,
                          capture_output=True, timeout=120)
    rows = []
    for line in done.stderr.decode(errors="replace").splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line.split("|")
            if cumulative.strip().isdigit():
                rows.append({"module": name.strip(), "cumulative_us": int(cumulative)})
    return sorted(rows, key=lambda row: -row["cumulative_us"])[:top]


def serve_stdin(root: Path) -> bytes:
    """initialize then exit: enough for importtime to see what answering initialize costs."""
    def frame(message: dict) -> bytes:
        body = json.dumps(message).encode()
        return b"Content-Length: %d\r\n\r\n" % len(body) + body
    return (frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": initialize_params(root)})
            + frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None})
            + frame({"jsonrpc": "2.0", "method": "exit", "params": None}))


def lay_out(root: Path, tools: int) -> None:
    rnd = random.Random(11)
    vocabulary = sorted({"".join(rnd.choice(SYLLABLES) for _ in range(rnd.randint(2, 3))) for _ in range(6000)})
    shutil.copytree(REPO / "toolbox" / "word_sorting", root / "toolbox" / "word_sorting")
    for i in range(tools - 1):
        write_fast(root / "toolbox", f"synthetic_{i:05d}", synthetic_examples(rnd, vocabulary))


def clear_caches(root: Path) -> None:
    """The next run starts without latm's caches (the bytecode stays)."""
    shutil.rmtree(root / ".latm" / "cache", ignore_errors=True)


def child_env(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items()  # the sandbox image stays: a checkout's worker may need its own
           if not k.startswith(("OPENAI_", "LATM_")) and k != "PYTHONDONTWRITEBYTECODE" or k == "LATM_SANDBOX_IMAGE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "server"), env.get("PYTHONPATH", "")]))
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")  # bytecode as an installed latm has it, kept out of the checkout
    return env


def initialize_times(root: Path, env: dict, runs: int) -> dict:
    load = load_average()[0]
    serve, bare = [sys.executable, "-m", "latm", "serve"], [sys.executable, "-c", BARE_PYGLS]
    latm, floor = [], []
    for _ in range(runs + 1):  # interleaved, so both see the same load; the first of each compiles
        floor.append(time_initialize(bare, root, env))
        latm.append(time_initialize(serve, root, env))
    (latm_ms, latm_cpu), (bare_ms, bare_cpu) = ([statistics.median(x) for x in zip(*t[1:])] for t in (latm, floor))
    return {"latm_p50_ms": round(latm_ms, 1), "bare_pygls_p50_ms": round(bare_ms, 1), "ratio": round(latm_ms / bare_ms, 2),
            "latm_cpu_p50_ms": round(latm_cpu, 1), "bare_pygls_cpu_p50_ms": round(bare_cpu, 1),
            "cpu_ratio": round(latm_cpu / bare_cpu, 2) if bare_cpu else None, "runs": runs, "load_1min": load}


def sandbox_backend(root: Path, env: dict) -> str:
    done = subprocess.run([sys.executable, "-m", "latm", "sandbox", "status", "--json"], cwd=root, env=env,
                          capture_output=True, text=True)
    try:
        return json.loads(done.stdout).get("backend", "?")
    except ValueError:
        return "?"


def run(tools: int, runs: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        lay_out(root, tools)
        env = child_env(Path(tmp)) | {"LATM_SANDBOX_KEEP_S": "0"}  # each command starts its own sandbox
        runtime = Path(tmp) / "run"  # the keepers' folder, this run's own
        runtime.mkdir(mode=0o700)
        kept = env | {"LATM_SANDBOX_KEEP_S": "300", "XDG_RUNTIME_DIR": str(runtime)}
        cli = [sys.executable, "-m", "latm"]
        try:
            return measure(root, env, kept, cli, tools, runs)
        finally:
            subprocess.run([*cli, "sandbox", "stop"], cwd=root, env=kept, capture_output=True, timeout=60)


def measure(root: Path, env: dict, kept: dict, cli: list[str], tools: int, runs: int) -> dict:
    """Every figure; ``env`` runs the sandbox in each command, ``kept`` through the sandbox keeper."""
    return {
        "tools": tools,
        "initialize": initialize_times(root, env, runs),
        "first_code_action": code_actions(root, env, runs),
        "python_floor": one_shot([sys.executable, "-I", "-c", "pass"], root, env, runs),
        "route_offline": one_shot([*cli, "route", "--offline", QUESTION], root, env, runs),
        "solve_zero_model": one_shot([*cli, "solve", QUESTION], root, env, runs),
        "solve_zero_model_process": one_shot([*cli, "solve", "--sandbox", "process", QUESTION], root, env, runs),
        "solve_zero_model_kept": one_shot([*cli, "solve", QUESTION], root, kept, runs),
        "solve_zero_model_process_kept": one_shot([*cli, "solve", "--sandbox", "process", QUESTION], root, kept, runs),
        "sandbox_backend": sandbox_backend(root, env),
        "importtime": {"serve": import_times(["-m", "latm", "serve"], root, env, serve_stdin(root)),
                       "solve": import_times(["-m", "latm", "solve", QUESTION], root, env)},
    }


def report(r: dict) -> str:
    init, action = r["initialize"], r["first_code_action"]
    rows = [
        machine_line(r["machine"]),
        f"toolbox: {r['tools']} tools; {init['runs']} runs per figure (p50 = median; first = caches cold); "
        f"solve's sandbox: {r['sandbox_backend']}",
        "",
        f"{'measure':<48} {'wall p50':>11} {'CPU p50':>10} {'target':>12} {'load':>6}",
        f"{'initialize from spawn: latm serve':<48} {init['latm_p50_ms']:>8.0f} ms {init['latm_cpu_p50_ms']:>7.0f} ms"
        f" {'':>12} {init['load_1min']:>6.2f}",
        f"{'initialize from spawn: bare pygls':<48} {init['bare_pygls_p50_ms']:>8.0f} ms {init['bare_pygls_cpu_p50_ms']:>7.0f} ms",
        f"{'  ratio latm / bare pygls':<48} {init['ratio']:>9.2f} x {init['cpu_ratio'] or 0:>8.2f} x {'<= 1.3 x':>12}",
        f"{'first codeAction right after initialized':<48} {action['p50_ms']:>8.1f} ms {'':>10} {'<= 100 ms':>12}"
        f" {action['load_1min']:>6.2f}",
        f"{'  its titles: ' + (', '.join(action['titles']) or 'none (nothing that needs no routing)'):<48}",
        f"{'  until one names the routed tool':<48} {action['routed_p50_ms']:>8.1f} ms",
    ]
    for key, label, target in (("python_floor", "python -I -c pass (floor)", ""),
                               ("route_offline", "latm route --offline Q", "<= 250 ms"),
                               ("solve_zero_model", f"latm solve Q (no model; {r['sandbox_backend']} sandbox)", "<= 250 ms"),
                               ("solve_zero_model_process", "latm solve --sandbox process Q", ""),
                               ("solve_zero_model_kept", f"latm solve Q, keeper warm ({r['sandbox_backend']})", "<= 250 ms"),
                               ("solve_zero_model_process_kept", "latm solve --sandbox process Q, keeper warm", "")):
        row = r[key]
        rows.append(f"{label:<48} {row['p50_ms']:>8.0f} ms {row['cpu_p50_ms']:>7.0f} ms {target:>12} {row['load_1min']:>6.2f}")
        rows.append(f"{'  first run (caches cold)':<48} {row['first_ms']:>8.0f} ms {row['cpu_first_ms']:>7.0f} ms")
    rows.append(f"load average at the end: {r['machine']['load_average_at_end']}")
    rows.append("")
    for which in ("serve", "solve"):
        slowest = ", ".join(f"{i['module']} {i['cumulative_us'] / 1000:.0f}" for i in r["importtime"][which][:6])
        rows.append(f"slowest imports of latm {which} (cumulative ms): {slowest}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tools", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", type=Path, default=REPO / ".latm" / "bench" / "startup_bench.json")
    args = parser.parse_args(argv)
    results = {"machine": machine(), "targets": TARGETS} | run(args.tools, args.runs)
    results["machine"]["load_average_at_end"] = load_average()
    print(f"{report(results)}\n")
    write_report(results, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
