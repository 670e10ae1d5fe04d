"""Hostile tools, each with the outcome every backend must give.

Each tool defines ``attack()``; ``$name`` placeholders are filled from the host-side targets
(listening sockets, planted files, a workspace). ``expect`` maps a backend to the allowed
outcomes; ``not_stopped`` names backends that do NOT stop the attack, with the reason (those tests
are strict xfails, so the list stays honest both ways). The backends: ``docker``, ``process``
(latm run by root) and ``process-user`` (latm run by a user who is not root); a ``process`` entry
holds for ``process-user`` too unless that has its own.
"""

from __future__ import annotations

import contextlib
import os
import socket
import string
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from sandbox_support import RUN_BY_ROOT, USER_UID, as_user

BACKENDS = ("docker", "process", "process-user")


@dataclass(frozen=True)
class Attack:
    name: str
    code: str
    expect: dict  # backend -> tuple of allowed outcomes
    error_types: tuple = ()  # when the outcome is "error": the allowed error types (empty: any)
    timeout_s: float = 1.0
    check: Optional[Callable] = None  # check(result, targets, backend) for host-side evidence
    not_stopped: dict = field(default_factory=dict)  # backend -> why this backend lets it through

    def allowed(self, backend: str) -> tuple:
        return _for(self.expect, backend)

    def why_not_stopped(self, backend: str) -> Optional[str]:
        return _for(self.not_stopped, backend)


def _for(table: dict, backend: str):
    return table.get(backend, table.get(backend.split("-")[0]))


def same(*outcomes: str) -> dict:
    return {backend: outcomes for backend in BACKENDS}


NET_ERRORS = ("ConnectionRefusedError", "OSError", "TimeoutError", "PermissionError", "gaierror")


def no_connection(result, targets, backend):
    assert targets.tcp_accepted() == [], "a TCP connection reached the host"
    assert targets.udp_received() == [], "a UDP datagram reached the host"


def secret_not_leaked(result, targets, backend):
    text = repr(result)
    assert targets.secret not in text, "the planted secret reached the tool"


def nothing_written(result, targets, backend):
    assert result.value == [], f"the tool wrote outside its scratch space: {result.value}"
    assert not targets.outside_file_exists(), "a file appeared in the host directory"
    assert not targets.hook.exists(), "a git hook appeared in the workspace"


def none_succeeded(result, targets, backend):
    assert result.value == [], f"the tool got through: {result.value}"


def no_unix_connection(result, targets, backend):
    assert targets.unix_accepted() == [], "a unix socket connection reached the host"


def no_privileges(result, targets, backend):
    status = result.value
    for name in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(status[name], 16) == 0, f"tool code holds capabilities: {status}"
    assert status["NoNewPrivs"] == "1" and status["Seccomp"] == "2", status
    assert status["ids"] == [65534] * 4, status


def real_result_wins(result, targets, backend):
    assert result.value[0] == 42, result
    assert not any(item.startswith("wrote /proc/self-parent") for item in result.value[1]), result.value[1]


def connect_tcp(host: str) -> str:
    return f"""
import socket
def attack():
    conn = socket.create_connection(({host!r}, $tcp_port), timeout=0.5)
    conn.sendall(b"pwned")
    return "connected"
"""


def send_udp(host: str) -> str:
    return f"""
import socket
def attack():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.sendto(b"pwned", ({host!r}, $udp_port))
    return "sent"
"""


from attack_code import (CONNECT_UNIX, KILL_ALL_BUT_THE_WORKER, LEAVE_A_KEY, LEAVE_A_SOCKET,  # noqa: E402
                         LEAVE_IPC, LOOK_FOR_PRIVILEGES, OPEN_HOST_DEVICES, RAISE_THE_WORKERS_OOM_SCORE,
                         READ_OWN_FILE, READ_PROC_FILES, TAKE_OVER, UNDO_THE_MOUNTS, WRITE_TO_SYS)

ATTACKS = [
    # ---------------------------------------------------------------- network
    Attack("tcp_to_loopback", connect_tcp("127.0.0.1"), same("error"), NET_ERRORS, check=no_connection),
    Attack("tcp_to_host_address", connect_tcp("$host_ip"), same("error"), NET_ERRORS, check=no_connection),
    Attack("tcp_to_docker_gateway", connect_tcp("$gateway_ip"), same("error"), NET_ERRORS, check=no_connection),
    Attack("tcp_to_public_address", connect_tcp("1.1.1.1"), same("error"), NET_ERRORS),
    # In Docker the container's own loopback is up, so the send "succeeds" into nothing.
    Attack("udp_to_loopback", send_udp("127.0.0.1"), {"docker": ("ok",), "process": ("error",)}, NET_ERRORS,
           check=no_connection),
    Attack("udp_to_host_address", send_udp("$host_ip"), same("error"), NET_ERRORS, check=no_connection),
    Attack("dns_lookup", """
import socket
def attack():
    return socket.getaddrinfo("example.com", 443)
""", same("error"), NET_ERRORS),
    # ---------------------------------------------------------------- host files and secrets
    Attack("read_private_host_file", """
def attack():
    with open("$secret_file") as handle:
        return handle.read()
""", same("error"), ("FileNotFoundError", "PermissionError"), check=secret_not_leaked,
        not_stopped={} if RUN_BY_ROOT else {"process-user": "run by a user, the tests can plant no file that user "
                                                            "may not read: it is the user's own"}),
    Attack("read_world_readable_host_file", """
def attack():
    with open("$public_file") as handle:
        return handle.read()
""", same("error"), ("FileNotFoundError",), check=secret_not_leaked,
        not_stopped={"process": "the process backend shares the host's file system: world-readable files stay readable"}),
    Attack("read_other_processes_environment", """
import os
def attack():
    seen = [dict(os.environ)]
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/environ", "rb") as handle:
                seen.append(handle.read().decode("latin-1"))
        except OSError:
            pass
    return seen
""", same("ok"), check=secret_not_leaked),
    Attack("read_parent_memory", """
import os
def attack():
    with open(f"/proc/{os.getppid()}/mem", "rb") as handle:
        return handle.read(16).hex()
""", same("error"), ("PermissionError", "OSError")),
    # setuid(0) is EINVAL where user 0 has no mapping (the process backend's user namespaces).
    Attack("become_root", """
import os
def attack():
    os.setuid(0)
    return os.getuid()
""", same("error"), ("PermissionError", "OSError")),
    Attack("look_for_privileges", LOOK_FOR_PRIVILEGES, same("ok"), check=no_privileges),
    # Issue 16, item 4: root in its own user namespace, tool code undid the mounts and wrote a git hook.
    Attack("undo_the_mounts_and_write_a_git_hook", UNDO_THE_MOUNTS, same("ok"), check=nothing_written),
    Attack("write_outside_tmp", """
def attack():
    written = []
    for path in ("/etc/latm-pwned", "/opt/latm/worker.py", "/usr/lib/python3/pwned.py", "$outside_dir/pwned"):
        try:
            with open(path, "a") as handle:
                handle.write("pwned")
            written.append(path)
        except OSError:
            pass
    return written
""", same("ok"), check=nothing_written),
    # ---------------------------------------------------------------- resources
    Attack("fill_tmp", """
def attack():
    with open("/tmp/fill", "wb") as handle:
        for _ in range(64):
            handle.write(b"x" * (1 << 20))
    return "filled"
""", same("error"), ("OSError",)),
    Attack("fill_dev_shm", """
def attack():
    with open("/dev/shm/fill", "wb") as handle:
        for _ in range(64):
            handle.write(b"x" * (1 << 20))
            handle.flush()
    return "filled"
""", same("error"), ("OSError",)),
    Attack("fork_bomb", """
import os
def attack():
    while True:
        os.fork()
""", same("error", "timeout"), ("BlockingIOError", "OSError")),
    Attack("memory_bomb_at_once", """
def attack():
    return len(bytearray(1 << 31))
""", same("memory")),
    Attack("memory_bomb_gradual", """
def attack():
    hoard = []
    while True:
        hoard.append(bytearray(8 << 20))
""", same("memory")),
    Attack("thread_bomb", """
import threading, time
def attack():
    threads = [threading.Thread(target=time.sleep, args=(5,)) for _ in range(10000)]
    for thread in threads:
        thread.start()
    return "started"
""", same("error", "memory", "timeout"), ("RuntimeError", "MemoryError")),
    Attack("infinite_loop", """
def attack():
    while True:
        pass
""", same("timeout")),
    Attack("sleep_past_timeout", """
import time
def attack():
    time.sleep(60)
""", same("timeout")),
    Attack("stdout_flood", """
def attack():
    while True:
        print("x" * 1000)
""", same("output_limit")),
    Attack("stderr_flood", """
import sys
def attack():
    while True:
        sys.stderr.write("y" * 1000)
""", same("output_limit")),
    Attack("huge_return_value", """
def attack():
    return "x" * (4 << 20)
""", same("output_limit")),
    Attack("unserialisable_return_value", """
def attack():
    return object()
""", same("error"), ("UnserializableResult",)),
    Attack("cyclic_return_value", """
def attack():
    loop = []
    loop.append(loop)
    return loop
""", same("error"), ("UnserializableResult",)),
    Attack("return_value_with_hostile_repr", """
class Trap:
    def __repr__(self):
        raise RuntimeError("gotcha")
def attack():
    return [Trap()]
""", same("error"), ("UnserializableResult",)),
    # ---------------------------------------------------------------- crashing the interpreter
    Attack("deep_recursion", """
def attack(n=0):
    return attack(n + 1)
""", same("error"), ("RecursionError",)),
    # Recursing through a C function (map) uses the C stack, which no recursion limit then guards.
    Attack("c_stack_overflow", """
import sys
sys.setrecursionlimit(10 ** 8)
def attack(n=0):
    return list(map(attack, [n + 1]))
""", same("crashed"), timeout_s=10),
    Attack("ctypes_null_read", """
import ctypes
def attack():
    return ctypes.string_at(0)
""", same("crashed")),
    Attack("os_abort", """
import os
def attack():
    os.abort()
""", same("crashed")),
    Attack("faulthandler_segfault", """
import faulthandler
def attack():
    faulthandler._sigsegv()
""", same("crashed")),
    Attack("close_result_channel", """
import os
def attack():
    os.close(3)
    return 1
""", same("crashed")),
    # ---------------------------------------------------------------- attacking the worker
    # In the process backend the worker is init of its PID namespace: signals from inside it that
    # init has no handler for (SIGKILL, SIGSTOP included) are dropped, so the call just goes on;
    # run as root it also runs calls as user 65534, who may not signal it at all (PermissionError).
    # kill(-1) there finds no process it may signal but itself (which kill(-1) spares): ESRCH.
    Attack("kill_parent_worker", """
import os, time
def attack():
    os.kill(os.getppid(), 9)
    time.sleep(0.5)
    return "still here"
""", {"docker": ("crashed",), "process": ("ok", "error")}, ("PermissionError",)),
    Attack("kill_every_process", """
import os
def attack():
    os.kill(-1, 9)
    return "still here"
""", {"docker": ("crashed",), "process": ("crashed", "error")}, ("ProcessLookupError",)),
    Attack("stop_parent_worker", """
import os, signal
def attack():
    os.kill(os.getppid(), signal.SIGSTOP)
    return "stopped it"
""", {"docker": ("crashed",), "process": ("ok", "error")}, ("PermissionError",)),
    Attack("polite_signals_to_worker_and_init", """
import os, signal
def attack():
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1, signal.SIGQUIT):
        for pid in {os.getppid(), 1}:
            os.kill(pid, sig)
    return "sent"
""", {"docker": ("ok",), "process": ("ok", "error")}, ("PermissionError",)),
    Attack("garbage_on_protocol_channels", """
import os, sys
JUNK = b"\\x00\\x1eLATM1\\x1f" + b"ffffffff00000000" + b"garbage" * 50 + b"\\x00\\x1eLATM1\\x1f0000100000000000{"
def attack():
    report = []
    for label, path in (("self-parent", f"/proc/{os.getppid()}/fd/1"), ("self-parent", f"/proc/{os.getppid()}/fd/0"),
                        ("init", "/proc/1/fd/1"), ("init", "/proc/1/fd/0")):
        try:
            with open(path, "wb") as handle:
                handle.write(JUNK)
            report.append(f"wrote /proc/{label}")
        except OSError as err:
            report.append(type(err).__name__)
    os.write(1, JUNK)
    os.write(2, JUNK)
    os.write(3, JUNK)
    sys.stdout.write(JUNK.decode("latin-1"))
    return [42, report]
""", same("ok"), check=real_result_wins),
    Attack("poison_builtins_and_modules", """
import builtins, json, math
def attack():
    builtins.sorted = lambda *a, **k: "poisoned"
    json.dumps = lambda *a, **k: "poisoned"
    math.pi = 3
    with open("/tmp/state", "w") as handle:
        handle.write("left behind")
    return "poisoned"
""", same("ok")),
    Attack("leave_a_background_process", """
import os, time
def attack():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            while True:
                with open("/tmp/lurker", "a") as handle:
                    handle.write("x")
                time.sleep(0.01)
        os._exit(0)
    time.sleep(0.1)
    return "left a lurker"
""", same("ok")),
    Attack("unremovable_scratch_files", """
import os
def attack():
    os.makedirs("/tmp/locked/inner")
    with open("/tmp/locked/inner/file", "w") as handle:
        handle.write("x")
    os.chmod("/tmp/locked/inner", 0)
    os.chmod("/tmp/locked", 0)
    return "locked"
""", same("ok")),
    # Issue 16, item 5: tool code ptraced the container's long-lived holder and replaced it with a
    # program that stopped every later call. This tries that on every process it can see.
    Attack("take_over_a_long_lived_process", TAKE_OVER, same("ok"), check=none_succeeded, timeout_s=10),
    Attack("read_the_proc_files_of_long_lived_processes", READ_PROC_FILES, same("ok"), check=none_succeeded),
    Attack("kill_every_long_lived_process_but_the_worker", KILL_ALL_BUT_THE_WORKER, same("ok")),
    # Issue 16, item 6: these were still there for the next call (the ordinary call that follows
    # every attack looks for them).
    Attack("leave_shared_memory_queues_and_semaphores", LEAVE_IPC, same("ok")),
    Attack("leave_a_key_in_a_keyring", LEAVE_A_KEY, same("error"), ("PermissionError",)),
    Attack("leave_a_listening_abstract_socket", LEAVE_A_SOCKET, same("error"), ("PermissionError",)),
    # A unix socket on the host's file system is reachable from any network namespace, and a
    # read-only mount does not stop a connect (a session bus, an agent, Docker's own socket).
    Attack("connect_to_a_host_unix_socket", CONNECT_UNIX, same("error"), ("PermissionError", "FileNotFoundError"),
           check=no_unix_connection),
    Attack("write_to_sys_and_cgroups", WRITE_TO_SYS, same("ok"), check=none_succeeded),
    Attack("open_host_devices", OPEN_HOST_DEVICES, same("ok"), check=none_succeeded),
    # Where the worker's own files in /proc are owned by the call's host user id (root of the
    # worker's user namespace is that id), the call may make the worker the OOM killer's choice.
    Attack("raise_the_workers_oom_score", RAISE_THE_WORKERS_OOM_SCORE, same("error"), ("PermissionError",),
           not_stopped={"process-user": "the worker's /proc files belong to the call's own host user id"}),
    Attack("read_a_private_file_of_the_user_running_latm", READ_OWN_FILE, same("error"),
           ("FileNotFoundError", "PermissionError"), check=secret_not_leaked,
           not_stopped={"process-user": "calls run under the host user id of the user who runs latm, who owns the file"}),
]


# ------------------------------------------------------------------------ host-side targets
class Targets:
    """Things on the host that attacks aim at."""

    def __init__(self, root: Path) -> None:
        self.tcp = socket.socket()
        self.tcp.bind(("0.0.0.0", 0))
        self.tcp.listen(8)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("0.0.0.0", 0))
        self.udp.setblocking(False)
        self._accepted: list = []
        threading.Thread(target=self._accept, args=(self.tcp, self._accepted), daemon=True).start()
        self.secret = "latm-secret-" + os.urandom(8).hex()
        self.root = root
        self.secret_file = root / "private.txt"
        self.secret_file.write_text(self.secret)
        self.secret_file.chmod(0o600)
        self.public_file = root / "public.txt"
        self.public_file.write_text(self.secret)
        self.public_file.chmod(0o644)
        self.outside_dir = root / "open"
        self.outside_dir.mkdir()
        self.outside_dir.chmod(0o777)  # only the sandbox may stop a write here
        # A workspace and a private file of the user the process backend runs as when latm is
        # run by someone who is not root: only the sandbox may stop that user here.
        self.workspace = root / "workspace"
        (self.workspace / ".git" / "hooks").mkdir(parents=True)
        self.hook = self.workspace / ".git" / "hooks" / "pre-commit"
        self.own_file = root / "own.txt"
        self.own_file.write_text(self.secret)
        self.own_file.chmod(0o600)
        for path in (self.workspace, self.workspace / ".git", self.workspace / ".git" / "hooks", self.own_file):
            os.chown(path, USER_UID, -1)
        self.unix_socket = root / "host.sock"
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind(str(self.unix_socket))
        self.unix.listen(8)
        self.unix_socket.chmod(0o777)
        self._unix_accepted: list = []
        threading.Thread(target=self._accept, args=(self.unix, self._unix_accepted), daemon=True).start()
        # A process of that user with the secret in its environment, as latm's own would be.
        self.user_process = subprocess.Popen([*as_user(USER_UID), "env", "-i", f"LATM_PLANTED_SECRET={self.secret}",
                                              "sleep", "3600"])

    @staticmethod
    def _accept(listener: socket.socket, arrived: list) -> None:
        """Record each connection (its peer, or for a unix socket what it sent) until closed."""
        while True:
            try:
                conn, peer = listener.accept()
            except OSError:
                return
            arrived.append(peer or conn.recv(16))
            conn.close()

    def unix_accepted(self) -> list:
        return list(self._unix_accepted)

    def forget(self) -> None:
        self._accepted.clear()

    def tcp_accepted(self) -> list:
        return list(self._accepted)

    def udp_received(self) -> list:
        got = []
        while True:
            try:
                got.append(self.udp.recvfrom(1024))
            except BlockingIOError:
                return got

    def outside_file_exists(self) -> bool:
        return any(self.outside_dir.iterdir())

    def fill(self, code: str) -> str:
        return string.Template(code).substitute(
            tcp_port=self.tcp.getsockname()[1], udp_port=self.udp.getsockname()[1], host_ip=host_ip(),
            gateway_ip=docker_gateway(), secret_file=self.secret_file, public_file=self.public_file,
            outside_dir=self.outside_dir, workspace=self.workspace, own_file=self.own_file,
            unix_socket=self.unix_socket)

    def close(self) -> None:
        for sock in (self.tcp, self.udp, self.unix):
            sock.close()
        self.user_process.kill()
        self.user_process.wait()


def host_ip() -> str:
    """This machine's address on its default route (a UDP connect sends nothing)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1, never routed anywhere real
        return probe.getsockname()[0]
    finally:
        probe.close()


def docker_gateway() -> str:
    import docker

    try:
        config = docker.from_env().api.inspect_network("bridge")["IPAM"]["Config"]
        return config[0]["Gateway"]
    except Exception:  # no bridge network: aim at the usual default
        return "172.17.0.1"


@contextlib.contextmanager
def attack_targets():
    """Targets in a fresh directory outside /tmp (the process backend gives calls a private /tmp,
    so a file there would prove nothing), removed afterwards."""
    root = Path("/var/tmp") / f"latm-attack-{os.getpid()}-{os.urandom(3).hex()}"
    root.mkdir(mode=0o755)
    root.chmod(0o755)
    found = Targets(root)
    try:
        yield found
    finally:
        found.close()
        for path in sorted(root.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() and not path.is_symlink() else path.unlink()
        root.rmdir()
