"""A keeper that stops or must not serve any more: the runs under way still get their answers, and
a keeper built for what no longer holds (``auto`` fell back to ``process``, and Docker answers
again) gives way to a new one. Both were found by an adversarial review; each test failed before
the fix."""

from __future__ import annotations

import os
import socket
import signal
import threading

import pytest
from keeper_support import keeper_pids, runtime, wait_for  # noqa: F401 - runtime is a fixture
from sandbox_settings import sandbox_settings

from latm.sandbox import Call
from latm.sandbox.kept import KeptSandbox, keepers, open_kept_sandbox, stop_keepers

SLOW = "import time\ndef slow(s):\n    time.sleep(s)\n    return s\n"


def _sigterm_the_keeper() -> None:
    (found,) = keepers()
    os.kill(found["pid"], signal.SIGTERM)


@pytest.mark.parametrize("stop", [stop_keepers, _sigterm_the_keeper], ids=["sandbox-stop", "sigterm"])
def test_a_call_in_flight_when_a_docker_keeper_stops_still_answers(runtime, monkeypatch, stop):  # noqa: F811
    """`latm sandbox stop` (or SIGTERM, or another command's run finding the image retagged) while
    a command's call runs: the keeper takes no new connection but lets the call end before it closes
    its containers (it used to close them under the call: 'crashed ... the tool may have killed it')."""
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    settings = sandbox_settings(sandbox="docker", sandbox_keep_s=120.0, timeout_s=10.0)
    sandbox = open_kept_sandbox(settings)
    assert isinstance(sandbox, KeptSandbox)
    (warm,) = sandbox.run(SLOW, [Call(entry="slow", args=[0])])
    assert warm.outcome == "ok"
    found: dict = {}
    call = threading.Thread(target=lambda: found.update(r=sandbox.run(SLOW, [Call(entry="slow", args=[3])])))
    call.start()
    wait_for(lambda: any(k["busy"] for k in keepers()), "the keeper to be running the call")
    stop()
    call.join(120)
    (result,) = found["r"]
    assert (result.outcome, result.value) == ("ok", 3), result.message
    wait_for(lambda: keeper_pids(runtime) == [], "the keeper to exit")


class EngineProxy:
    """A byte-for-byte proxy from ``path`` to the real Docker engine's socket, started on demand:
    an engine that is down, then up (Docker Desktop still starting, dockerd restarting)."""

    def __init__(self, path: str) -> None:
        self.path, self.listener = path, None

    def start(self) -> None:
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(64)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            engine = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            engine.connect("/var/run/docker.sock")
            for a, b in ((client, engine), (engine, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(1 << 16):
                b.sendall(data)
            b.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def stop(self) -> None:
        if self.listener is not None:
            self.listener.close()


def test_an_auto_keeper_started_while_the_engine_was_down_does_not_pin_later_commands_to_process(runtime, monkeypatch):  # noqa: F811
    """`sandbox = "auto"` is keyed as "auto", not as the backend it resolved to: a keeper started
    while Docker was unreachable must not go on serving the weaker process sandbox once Docker
    answers; a command in-process would get Docker, and so does the next command here."""
    proxy = EngineProxy(str(runtime / "engine.sock"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.setenv("DOCKER_HOST", f"unix://{proxy.path}")
    settings = sandbox_settings(sandbox="auto", sandbox_keep_s=120.0)
    first = open_kept_sandbox(settings)
    try:
        assert isinstance(first, KeptSandbox) and first.status().backend == "process"  # the engine is down
        proxy.start()  # ... and now up
        from latm.sandbox.factory import open_sandbox

        with open_sandbox(settings) as in_process:
            assert in_process.status().backend == "docker"  # what the command gets without a keeper
        later = open_kept_sandbox(settings)
        assert later.status().backend == "docker"
    finally:
        stop_keepers()
        wait_for(lambda: keeper_pids(runtime) == [], "the keepers to exit")
        proxy.stop()


def test_the_log_keeps_what_the_keepers_before_wrote(runtime, monkeypatch):  # noqa: F811
    """A keeper's log is appended to: the traceback of one that crashed is still there after the
    next one starts."""
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    settings = sandbox_settings(sandbox="process", sandbox_keep_s=120.0)
    try:
        for _ in range(2):
            assert isinstance(open_kept_sandbox(settings), KeptSandbox)
            stop_keepers()
            wait_for(lambda: keeper_pids(runtime) == [], "the keeper to exit")
        (log,) = (runtime / "latm").glob("*.log")
        assert log.read_text().count(" serves the process sandbox on ") == 2, log.read_text()
    finally:
        stop_keepers()
