"""Issue 10: who can reach a sandbox keeper, and what it survives. Its folder is the user's own
(0700, not a link, checked before every use); another user's process is refused at both ends;
nonsense, a client killed mid-call and concurrent clients leave it serving; a request cannot
raise its limits."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from keeper_support import keeper_env, keeper_pids, keepers, latm, solve, wait_for
from sandbox_settings import sandbox_settings

from latm.sandbox import Call, open_kept_sandbox
from latm.sandbox import keeper_socket as ks
from latm.sandbox.kept import KeptSandbox, ask, open_kept

pytestmark = pytest.mark.docker
NOBODY = 65534
# Run as user 65534 by the system Python (the tests' own interpreter may be under /root): connect
# to the socket, send a status request framed as latm does, print how many bytes came back.
STRANGER = r'''
import json, socket, sys, zlib
payload = json.dumps({"op": "status"}).encode()
frame = b"\x00\x1eLATM1\x1f" + b"%08x%08x" % (len(payload), zlib.crc32(payload)) + payload
sock = socket.socket(socket.AF_UNIX)
sock.connect(sys.argv[1])
sock.settimeout(30)
try:
    sock.sendall(frame)  # the keeper may have closed the connection already
    print(len(sock.recv(1 << 16)))
except (BrokenPipeError, ConnectionResetError):  # closed with the request unread
    print(0)
'''
# A fake keeper of user 65534 that answers every request with a forged result.
LISTENER = r'''
import json, socket, sys, zlib
payload = json.dumps({"pid": 1, "backend": "process", "image": "forged", "isolation": "none", "warning": "",
                      "warm": 0, "results": [{"outcome": "ok", "value": "forged"}]}).encode()
frame = b"\x00\x1eLATM1\x1f" + b"%08x%08x" % (len(payload), zlib.crc32(payload)) + payload
sock = socket.socket(socket.AF_UNIX)
sock.bind(sys.argv[1])
sock.listen(8)
print("ready", flush=True)
while True:
    conn, _ = sock.accept()
    conn.recv(1 << 16)
    conn.sendall(frame)
    conn.close()
'''
SLOW = "import time\ndef slow(s):\n    time.sleep(s)\n    return s\n"


def as_nobody():
    os.setgid(NOBODY)
    os.setgroups([])
    os.setuid(NOBODY)


def the_keeper(sorting_project, env) -> dict:
    solve(sorting_project, env, "process")
    (found,) = keepers(sorting_project, env)
    return found


def test_the_folder_in_the_temporary_folder_is_made_0700_and_the_users(sorting_project, runtime):
    env = keeper_env(runtime, TMPDIR=str(runtime))
    del env["XDG_RUNTIME_DIR"]
    found = the_keeper(sorting_project, env)
    folder = runtime / f"latm-{os.geteuid()}"
    info = os.lstat(folder)
    assert Path(found["socket"]).parent == folder
    assert (info.st_mode & 0o7777, info.st_uid) == (0o700, os.geteuid())


def loose(folder: Path) -> None:
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)


def linked(folder: Path) -> None:
    elsewhere = folder.parent / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    folder.symlink_to(elsewhere)


def others(folder: Path) -> None:
    folder.mkdir(mode=0o700)
    os.chown(folder, NOBODY, NOBODY)


@pytest.mark.parametrize("unfit", [loose, linked, others])
def test_an_unfit_folder_is_refused_and_the_command_answers_in_process(sorting_project, runtime, unfit):
    unfit(runtime / "latm")
    done = solve(sorting_project, keeper_env(runtime), "process")
    assert keeper_pids(runtime) == []
    assert done.stderr == ""  # no noise: the sandbox simply ran in-process
    assert not list(runtime.rglob("*.sock"))
    status = latm(sorting_project, keeper_env(runtime), "sandbox", "status")
    said = next(line for line in status.stdout.splitlines() if line.startswith("keepers:"))
    assert f"{runtime / 'latm'} " in said and "no sandbox keeper is used" in said, status.stdout  # but the status says why


def test_the_keeper_refuses_another_users_connection(sorting_project, runtime):
    env = keeper_env(runtime)
    found = the_keeper(sorting_project, env)
    socket_path = Path(found["socket"])
    for path, mode in ((runtime, 0o711), (socket_path.parent, 0o711), (socket_path, 0o666)):
        path.chmod(mode)  # let user 65534 reach the socket: only the keeper's own check stands
    stranger = subprocess.run(["/usr/bin/python3", "-I", "-c", STRANGER, str(socket_path)], preexec_fn=as_nobody,
                              capture_output=True, text=True, timeout=60)
    assert stranger.stdout.strip() == "0", stranger.stderr  # closed without a word
    log = socket_path.with_suffix(".log")
    wait_for(lambda: f"refused a connection from user {NOBODY}" in log.read_text(), "the refusal in the log")

    for path in (runtime, socket_path.parent):
        path.chmod(0o700)
    solve(sorting_project, env, "process")
    (after,) = keepers(sorting_project, env)
    assert (after["pid"], after["served"]) == (found["pid"], 2)


def test_a_socket_of_another_user_is_never_used(runtime, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    settings = sandbox_settings(sandbox="process", sandbox_keep_s=60.0)
    path = ks.socket_path(ks.runtime_folder(), ks.keeper_key(settings))
    theirs = Path(tempfile.mkdtemp(dir="/tmp"))  # a folder user 65534 can reach
    os.chown(theirs, NOBODY, NOBODY)
    listener = subprocess.Popen(["/usr/bin/python3", "-I", "-c", LISTENER, str(theirs / "s")], preexec_fn=as_nobody,
                                stdout=subprocess.PIPE, text=True)
    try:
        assert listener.stdout.readline().strip() == "ready"
        os.rename(theirs / "s", path)  # planted where this user's keeper would listen
        assert open_kept(settings) is None
        sandbox = open_kept_sandbox(settings)  # in-process instead, and it answers
        (result,) = sandbox.run(SLOW, [Call(entry="slow", args=[0])])
        assert result.value == 0 and not isinstance(sandbox, KeptSandbox)
        assert keeper_pids(runtime) == [] and path.exists()  # nothing started, their socket left alone
    finally:
        listener.kill()
        listener.wait()
        shutil.rmtree(theirs)


def send_raw(path: Path, data: bytes) -> bytes:
    with ks.connect(path, 10) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(30)
        return sock.recv(1 << 16)


def test_nonsense_and_a_client_killed_mid_call_leave_the_keeper_serving(sorting_project, runtime):
    env = keeper_env(runtime)
    found = the_keeper(sorting_project, env)
    path = Path(found["socket"])
    assert send_raw(path, os.urandom(4096)) == b""
    assert send_raw(path, b"\x00\x1eLATM1\x1f" + b"%08x%08x" % (1 << 30, 0) + b"{") == b""  # over the frame limit
    assert "unknown request" in ask(path, {"op": "launch"}, 1 << 20, 30)["error"]
    reply = ask(path, {"op": "run", "code": SLOW, "calls": [{"entry": "slow", "bogus": 1}, 7]}, 1 << 20, 30)
    assert [r["error_type"] for r in reply["results"]] == ["BadCall", "BadCall"]

    code = (f"import sys; sys.path[:0] = {sys.path!r}\nfrom pathlib import Path\nfrom latm.sandbox.kept import ask\n"
            f"ask(Path({str(path)!r}), {{'op': 'run', 'code': {SLOW!r}, 'calls': [{{'entry': 'slow', 'args': [3]}}]}}, "
            "1 << 20, 60)\n")
    client = subprocess.Popen([sys.executable, "-c", code])
    try:
        wait_for(lambda: ask(path, {"op": "status"}, 1 << 20, 30)["busy"] == 1, "the client's call to run")
    finally:
        client.send_signal(signal.SIGKILL)
        client.wait()

    solve(sorting_project, env, "process")
    (after,) = keepers(sorting_project, env)
    assert after["pid"] == found["pid"] and after["served"] >= 3  # the solves and the killed client's run


def test_concurrent_clients_are_served_and_a_request_cannot_raise_the_timeout(sorting_project, runtime):
    env = keeper_env(runtime)
    found = the_keeper(sorting_project, env)
    settings = sandbox_settings(sandbox="process", sandbox_keep_s=120.0, sandbox_pool=1)
    kept = KeptSandbox(settings, Path(found["socket"]), None)
    results: dict = {}

    def one(n: int) -> None:
        (results[n],) = kept.run(SLOW, [Call(entry="slow", args=[n / 10])])

    threads = [threading.Thread(target=one, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert {n: r.value for n, r in results.items()} == {n: n / 10 for n in range(4)}

    reply = ask(Path(found["socket"]), {"op": "run", "code": SLOW, "timeout_s": 60,
                                        "calls": [{"entry": "slow", "args": [30]}]}, 1 << 20, 60)
    (result,) = reply["results"]
    assert result["outcome"] == "timeout" and "longer than 5 s" in result["message"]
    assert keepers(sorting_project, env)[0]["served"] == found["served"] + 5  # all ran in the keeper, none in-process
