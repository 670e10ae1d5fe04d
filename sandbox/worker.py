"""latm sandbox worker: runs untrusted tool code, one fresh forked child per call.

Standard library only; runs inside the sandbox container (and, for the ``process`` backend, in a
subprocess on the host). The framing and the values that travel are ``protocol.py``, beside this
file; the host imports that module, never this one.

The parent loop reads request frames on fd 0 and writes one result frame per request on fd 1.
The tool never sees these channels: the child closes them, its stdout/stderr are separate pipes,
and the parent is non-dumpable so its ``/proc/<pid>/fd`` cannot be opened.

Per call the parent forks a child that: joins a new process group, is locked down (``Lockdown``:
the call's user ``--uid``, no capabilities in any namespace, no_new_privs, a seccomp filter), sets
rlimits, scrubs the environment, changes into a fresh scratch directory, runs the tool code as a
module named ``__tool__`` (file name ``<tool>``), then either calls ``entry(**args)`` or runs
``snippet`` (file name ``<call>``) and reads ``result_var``. The parent enforces the wall-clock
timeout and the output cap, kills the child's process group, and (``--sweep``, only in a private
PID namespace) every other process the call left behind, then empties the scratch directory and
(``--sweep``) /dev/shm, /dev/mqueue and SysV IPC. A call found stopped or traced when its time
ran out makes the worker retire, so the host replaces the sandbox.

A return value travels as JSON (``protocol.to_json_data``); one that cannot gives outcome
``error`` with error type ``UnserializableResult`` and a short repr, and one whose JSON is larger
than the output limit gives outcome ``output_limit``.
"""

from __future__ import annotations

import fcntl
import os
import resource
import select
import signal
import sys
import time


def _load_protocol():
    """``protocol.py`` from beside this file, by path: ``-I`` keeps this folder off ``sys.path``,
    and the module stays out of ``sys.modules``, so a tool's own ``import protocol`` never finds it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "protocol", os.path.join(os.path.dirname(os.path.abspath(__file__)), "protocol.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


protocol = _load_protocol()
TOOL_FILE = "<tool>"
CALL_FILE = "<call>"
# The holder and the serving parent shrug these off, so a tool cannot stop them with a polite
# signal (SIGKILL and SIGSTOP still work: the host's backstop replaces the container then).
IGNORED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2,
                   signal.SIGALRM)
SCRUBBED_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
# Imported once in the parent so a call's child finds them ready (fork shares them).
PRELOAD = (
    "re math cmath collections itertools functools operator string datetime calendar random "
    "statistics fractions decimal heapq bisect typing dataclasses textwrap unicodedata copy "
    "traceback linecache ast enum numbers hashlib base64 struct array time"
).split()


# ------------------------------------------------------------------------ inside the child
def _register_source(filename: str, text: str) -> None:
    import linecache

    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)


def _tool_traceback(err: BaseException) -> list:
    """Traceback lines that point into the tool's code or the call snippet, nothing else."""
    import traceback

    frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename in (TOOL_FILE, CALL_FILE)]
    lines = [line.rstrip("\n") for chunk in traceback.format_list(frames) for line in chunk.splitlines()]
    if isinstance(err, SyntaxError) and err.filename in (TOOL_FILE, CALL_FILE):
        lines += [line.rstrip("\n") for line in traceback.format_exception_only(type(err), err)[:-1]]
    return lines


def _error(outcome: str, error_type: str, message: str, traceback=()) -> dict:
    return {"outcome": outcome, "error_type": error_type, "message": message, "traceback": list(traceback)}


def _invoke(code: str, call: dict):
    _register_source(TOOL_FILE, code)
    namespace = {"__name__": "__tool__", "__builtins__": __builtins__}
    exec(compile(code, TOOL_FILE, "exec"), namespace)
    entry, snippet = call.get("entry"), call.get("snippet")
    if entry:
        function = namespace.get(entry)
        if not callable(function):
            return _error("error", "MissingEntry", f"the tool defines no function named {entry!r}")
        args = call.get("args")
        if args is None:
            return {"value": function()}
        if isinstance(args, dict):
            return {"value": function(**args)}
        if isinstance(args, list):
            return {"value": function(*args)}
        return _error("error", "BadArguments", f"args must be a dict or a list, not {type(args).__name__}")
    _register_source(CALL_FILE, snippet or "")
    exec(compile(snippet or "", CALL_FILE, "exec"), namespace)
    var = call.get("result_var")
    if not var:
        return {"value": None}
    if var not in namespace:
        return _error("error", "NameError", f"the call did not set the variable {var!r}")
    return {"value": namespace[var]}


def _result_frame(outcome: dict, limit: int) -> bytes:
    """The child's report, with the return value converted and capped."""
    if "value" in outcome:
        try:
            frame = protocol.encode_frame({"outcome": "ok", "value": protocol.to_json_data(outcome["value"])})
        except protocol.Unserializable as err:
            return protocol.encode_frame(_error("error", "UnserializableResult", str(err)))
        except (ValueError, RecursionError, MemoryError) as err:
            text = f"the return value cannot travel as JSON ({type(err).__name__}: {err}): "
            text += protocol.short_repr(outcome["value"])
            return protocol.encode_frame(_error("error", "UnserializableResult", text))
        if len(frame) > limit + 256:
            message = f"the return value is {len(frame)} bytes as JSON, more than the {limit}-byte limit"
            return protocol.encode_frame(_error("output_limit", "", message))
        return frame
    return protocol.encode_frame(outcome)


def _describe_exception(err: BaseException, memory_mb: int) -> dict:
    if isinstance(err, MemoryError):
        return _error("memory", "MemoryError", f"the call ran out of memory (limit {memory_mb} MB)", _tool_traceback(err))
    if isinstance(err, SystemExit):
        return _error("error", "SystemExit", f"the tool called exit({err.code!r})", _tool_traceback(err))
    try:
        message = str(err)
    except BaseException:
        message = protocol.short_repr(err)
    return _error("error", type(err).__name__, message, _tool_traceback(err))


def _set_limits(req: dict, nproc) -> None:
    def cap(kind, soft, hard=None):
        try:
            resource.setrlimit(kind, (soft, soft if hard is None else hard))
        except (ValueError, OSError):  # a limit above the inherited hard limit stays as it is
            pass

    usage = resource.getrusage(resource.RUSAGE_SELF)  # what the preloaded packages took is not the call's
    cpu = int(req["timeout_s"] + usage.ru_utime + usage.ru_stime) + 1
    cap(resource.RLIMIT_CPU, cpu, cpu + 1)
    cap(resource.RLIMIT_AS, req["memory_mb"] << 20)
    cap(resource.RLIMIT_FSIZE, req.get("fsize_mb", 16) << 20)
    cap(resource.RLIMIT_NOFILE, 256)
    cap(resource.RLIMIT_CORE, 0)
    if nproc:
        cap(resource.RLIMIT_NPROC, nproc)


def _spare_child(opts: dict, fds: dict, workdir: str) -> None:
    """Never returns. Forked ahead of time: gets ready, waits for its call, runs it, exits."""
    try:
        os.setpgid(0, 0)
        high = {name: fcntl.fcntl(fd, fcntl.F_DUPFD, 64) for name, fd in fds.items()}  # out of the way
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        for name, target in (("out", 1), ("err", 2), ("res", 3), ("req", 4)):
            os.dup2(high[name], target)
        os.closerange(5, 1 << 16)  # the protocol channel and every other inherited descriptor
        for sig in IGNORED_SIGNALS:
            signal.signal(sig, signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-big write raises OSError instead
        opts["lockdown"].apply()
        os.chdir(workdir)
        os.environ.clear()
        os.environ.update(SCRUBBED_ENV, HOME=workdir, TMPDIR=workdir)
        sys.argv = [TOOL_FILE]
        _warm_up()
        _preload(opts["preload"])
        req = protocol.decode_json(_read_to_end(4).decode("utf-8"))
        os.close(4)
        _set_limits(req, opts["nproc"])
    except BaseException as err:
        message = f"the sandbox could not prepare the call: {err}"
        write_all(3, protocol.encode_frame(_error("crashed", type(err).__name__, message)))
        os._exit(1)
    try:
        outcome = _invoke(req["code"], req["call"])
    except BaseException as err:
        outcome = _describe_exception(err, req["memory_mb"])
    try:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
    except BaseException:
        pass
    try:
        frame = _result_frame(outcome, req["output_limit"])
    except MemoryError:
        frame = protocol.encode_frame(_error("memory", "MemoryError", "out of memory while returning the result"))
    write_all(3, frame)
    os._exit(0)


def _preload(names: str) -> None:
    """Import the tool's packages (``--preload``) while waiting, locked down as the call itself:
    a compiled package takes longer to import than most calls take to run."""
    for name in filter(None, (names or "").split(",")):
        try:
            __import__(name)
        except BaseException:  # the call's own import reports it
            pass


def _warm_up() -> None:
    """Walk a call's usual path once while waiting: the memory pages it writes get copied from
    the parent now (copy-on-write faults are slow in VMs) instead of during the real call."""
    _result_frame(_invoke("def _warm(x):\n    return [x, str(x)]\n", {"entry": "_warm", "args": [1]}), 1 << 16)
    protocol.decode_json(protocol.encode_json({"code": "x", "call": {"entry": "f", "args": [1, "a"]}}))


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_to_end(fd: int) -> bytes:
    chunks = []
    while True:
        data = os.read(fd, 1 << 16)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


# ------------------------------------------------------------------------ the parent loop
SIGNAL_NAMES = {signal.SIGSEGV: "a segmentation fault", signal.SIGABRT: "an abort", signal.SIGBUS: "a bus error",
                signal.SIGILL: "an illegal instruction", signal.SIGFPE: "a floating point exception"}


def _fork_with_retry() -> int:
    deadline = time.monotonic() + 2.0
    while True:
        try:
            return os.fork()
        except BlockingIOError:  # processes left by the last call are still being reaped
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class Spare:
    """A child forked before its call arrives, so the fork is not on the call's critical path."""

    def __init__(self, opts: dict, workdir: str) -> None:
        pipes = {name: os.pipe() for name in ("req", "out", "err", "res")}
        try:
            self.pid = _fork_with_retry()
        except OSError:
            for r, w in pipes.values():
                os.close(r), os.close(w)
            raise
        if self.pid == 0:
            try:
                _spare_child(opts, {"req": pipes["req"][0], **{n: pipes[n][1] for n in ("out", "err", "res")}}, workdir)
            finally:  # whatever escapes (e.g. a KeyboardInterrupt at the wrong moment) ends the child here
                os._exit(1)
        os.close(pipes["req"][0])
        for name in ("out", "err", "res"):
            os.close(pipes[name][1])
        self.req_w = pipes["req"][1]
        self.reads = {name: pipes[name][0] for name in ("out", "err", "res")}
        try:
            os.setpgid(self.pid, self.pid)
        except OSError:  # the child did it first
            pass
        self.status = None  # the wait status once reaped

    def alive(self) -> bool:
        if self.status is None and os.waitpid(self.pid, os.WNOHANG)[0]:
            self.status = 0
        return self.status is None

    def start(self, req: dict) -> None:
        try:
            write_all(self.req_w, protocol.encode_json(req).encode())
        except BrokenPipeError:  # died meanwhile; the collector reports how
            pass
        os.close(self.req_w)

    def reap(self, kill: bool) -> int:
        """Kill the call's process group (when ``kill``) and return the child's wait status."""
        if kill:
            for target in (-self.pid, self.pid):
                try:
                    os.kill(target, signal.SIGKILL)
                except OSError:
                    pass
        if self.status is None:
            self.status = os.waitpid(self.pid, 0)[1]
        return self.status

    def close(self) -> None:
        for fd in self.reads.values():
            os.close(fd)


class Collector:
    """Reads a call's stdout, stderr and result pipes until it reports, exits, times out or floods."""

    def __init__(self, spare: Spare, limit: int, deadline: float) -> None:
        self.spare, self.deadline = spare, deadline
        self.fds = spare.reads
        self.bufs = {fd: bytearray() for fd in self.fds.values()}
        self.caps = {self.fds["out"]: limit, self.fds["err"]: limit, self.fds["res"]: limit + (1 << 16)}
        self.result = None  # the child's report, once whole
        self.exited = False
        self.stopped = ""  # "timeout" | "output_limit" when the call must be killed
        self.reader = protocol.FrameReader(limit + (1 << 16))
        try:
            self.pidfd = os.pidfd_open(spare.pid)
        except (AttributeError, OSError):  # old kernel: poll instead
            self.pidfd = None

    def run(self) -> None:
        open_fds = set(self.bufs)
        while self.result is None and not self.exited and not self.stopped:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                self.stopped = "timeout"
                break
            watch = list(open_fds) + ([self.pidfd] if self.pidfd is not None else [])
            ready, _, _ = select.select(watch, [], [], remaining if self.pidfd is not None else min(remaining, 0.002))
            for fd in ready:
                if fd == self.pidfd:
                    self.exited = True
                elif not self._read(fd):
                    open_fds.discard(fd)
            if self.pidfd is None:
                self.exited = not self.spare.alive()
        self._drain(open_fds)
        if self.pidfd is not None:
            os.close(self.pidfd)

    def _read(self, fd: int) -> bool:
        data = os.read(fd, 1 << 16)
        if data:
            self.bufs[fd] += data
            if len(self.bufs[fd]) > self.caps[fd]:
                self.stopped = "output_limit"
            elif fd == self.fds["res"]:
                frames = self.reader.feed(data)
                self.result = frames[0] if frames else self.result
        return bool(data)

    def _drain(self, open_fds: set) -> None:
        """Take what is already in the pipes without waiting for processes the call left behind."""
        for fd in open_fds:
            os.set_blocking(fd, False)
            try:
                while not self.stopped and self._read(fd):
                    pass
            except BlockingIOError:
                pass

    def text(self, name: str, limit: int) -> str:
        return bytes(self.bufs[self.fds[name]][:limit]).decode("utf-8", "replace")


class Worker:
    def __init__(self, opts: dict) -> None:
        import tempfile

        self.opts = opts
        # Only a sandbox's own /tmp may be emptied whole; elsewhere keep to a directory of our own.
        self.scratch = opts["scratch"] if opts["sweep"] else tempfile.mkdtemp(prefix="latm-", dir=opts["scratch"])
        if opts["uid"] is not None and not opts["sweep"]:
            os.chmod(self.scratch, 0o711)  # the call's user passes through to its own directory
        self.keep = set()  # processes that were here before any call (the holder, us)
        # The owner of a call's files: the call's user where this namespace has it, else it is us.
        self.owner = None if opts["lockdown"].nested else opts["uid"]
        self.oom_file = _oom_counter_file()
        self.oom_seen = 0
        self.spare = None
        self.used = None  # the spare whose call finished but is not cleaned up yet
        self.retire = ""  # why this worker must stop serving (the host then replaces it)

    # one call --------------------------------------------------------------------------
    def run_call(self, req: dict) -> dict:
        spare = self._take_spare()
        started = time.monotonic()
        spare.start(req)
        collector = Collector(spare, req["output_limit"], started + req["timeout_s"])
        collector.run()
        result = self._outcome(req, collector)
        result["duration_ms"] = (time.monotonic() - started) * 1000.0
        result["stdout"] = collector.text("out", req["output_limit"])
        result["stderr"] = collector.text("err", req["output_limit"])
        return result

    def _take_spare(self) -> Spare:
        spare, self.spare = self.spare, None
        if spare is None or not spare.alive():
            if spare is not None:
                spare.close()
            spare = Spare(self.opts, self._workdir())
        self.used = spare
        return spare

    def after_call(self) -> None:
        """Runs after the result is sent: clean up the last call, fork the next spare."""
        if self.used is not None:
            self.used.reap(kill=True)
            self.used.close()
            self.used = None
        if self.opts["sweep"] and not self._sweep():
            self.retire = "processes of a call could not be killed"
        if not _empty_dir(self.scratch):
            self.retire = "the scratch directory could not be emptied"
        if self.opts["sweep"] and not _clear_ipc():
            self.retire = "shared memory, queues or semaphores of a call could not be removed"
        self.oom_seen = self._oom_kills()  # read here, off the next call's critical path
        try:
            self.spare = Spare(self.opts, self._workdir())
        except OSError:  # no process to spare now; the next call tries again and reports
            self.spare = None

    def _sweep(self) -> bool:
        """In a private PID namespace: kill every process a call left behind, until none is left
        (a fork bomb keeps adding some while we kill, and the dead linger until reaped)."""
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            others = [int(n) for n in os.listdir("/proc") if n.isdigit() and int(n) not in self.keep]
            if not others:
                return True
            for pid in others:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                while os.waitpid(-1, os.WNOHANG)[0]:
                    pass
            except ChildProcessError:
                pass
            time.sleep(0.001)  # let init reap the ones that were its children
        return False

    def _workdir(self) -> str:
        import tempfile

        path = tempfile.mkdtemp(prefix="call-", dir=self.scratch)
        if self.owner is not None:
            os.chown(path, self.owner, self.owner)
        return path

    def _oom_kills(self) -> int:
        if not self.oom_file:
            return 0
        try:
            with open(self.oom_file) as handle:
                for line in handle:
                    if line.startswith("oom_kill "):
                        return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0

    def _outcome(self, req: dict, collector: Collector) -> dict:
        if collector.stopped == "timeout" and _held(collector.spare.pid):
            self.retire = "a call was stopped or traced when its time ran out"
            return _error("crashed", "", "the call never ran to its end: its process was stopped by something "
                          "outside it (or by itself) or traced; its sandbox is replaced")
        if collector.stopped == "timeout":
            return _error("timeout", "", f"the call ran longer than {req['timeout_s']:g} s and was stopped")
        if collector.stopped == "output_limit":
            limit_kb = req["output_limit"] // 1024
            return _error("output_limit", "", f"the call wrote more than {limit_kb} KB of output and was stopped")
        if collector.result is not None:
            found = collector.result
            return {k: found.get(k, d) for k, d in
                    (("outcome", "crashed"), ("value", None), ("error_type", ""), ("message", ""), ("traceback", []))}
        status = collector.spare.reap(kill=False)
        return _death(req, status, self._oom_kills() > self.oom_seen)

    # the loop ---------------------------------------------------------------------------
    def serve(self) -> None:
        if self.opts["sweep"]:
            self.keep = {int(n) for n in os.listdir("/proc") if n.isdigit()}
            if not _out_of_reach(self.keep - {os.getpid()}):
                raise SetupError("a long-lived process of the sandbox is still dumpable: tool code could take it over")
        self.after_call()
        reader = protocol.FrameReader(1 << 26)
        write_all(1, protocol.encode_frame({"hello": protocol.PROTOCOL, "python": sys.version.split()[0],
                                            "isolation": self.opts.get("isolation", [])}))
        while True:
            try:
                data = os.read(0, 1 << 16)
            except InterruptedError:
                continue
            if not data:
                return
            for req in reader.feed(data):
                write_all(1, protocol.encode_frame(self._answer(req)))
                self.after_call()
                if self.retire:  # the host retries the next call elsewhere
                    write_all(1, protocol.encode_frame({"retire": self.retire}))
                    return

    def _answer(self, req: dict) -> dict:
        try:
            result = self.run_call(req)
        except Exception as err:  # a fault of the worker itself, reported rather than fatal
            result = _error("crashed", type(err).__name__, f"the sandbox worker failed: {err}")
        result["nonce"] = req.get("nonce")
        return result


def _death(req: dict, status: int, oom: bool) -> dict:
    """The outcome of a child that exited without reporting."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGKILL and oom:
            return _error("memory", "MemoryError", f"the call used more than its memory ({req['memory_mb']} MB) and was killed")
        if sig == signal.SIGXCPU:
            return _error("timeout", "", "the call used up its CPU time and was stopped")
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        why = SIGNAL_NAMES.get(sig, "a signal")
        return _error("crashed", name, f"the tool's process died of {why} ({name}) before returning a result")
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else status
    return _error("crashed", "", f"the tool's process exited with status {code} before returning a result")


def _empty_dir(path: str) -> bool:
    """Remove everything inside ``path``, even what a call made unreadable; True when it is empty.

    Iterative and by directory descriptor, so deep trees cost neither recursion nor long paths."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    try:
        stack = [(os.open(path, flags), None)]  # (directory fd, its name in the parent)
    except OSError:
        return False
    budget = 100_000  # removals and descents; a tree bigger than this retires the sandbox
    while stack and budget > 0:
        fd = stack[-1][0]
        child = _first_subdir_after_files(fd)
        budget -= 1
        if child is not None and len(stack) < 512:
            try:
                os.chmod(child, 0o700, dir_fd=fd)
                stack.append((os.open(child, flags, dir_fd=fd), child))
                continue
            except OSError:
                pass
        fd, name = stack.pop()
        os.close(fd)
        if stack:
            try:
                os.rmdir(name, dir_fd=stack[-1][0])
            except OSError:
                budget -= 1000  # not removable: do not loop on it for long
    for fd, _ in stack:
        os.close(fd)
    try:
        return not os.listdir(path)
    except OSError:
        return False


def _first_subdir_after_files(fd: int):
    """Unlink the non-directories in ``fd``; the name of a subdirectory, if one is there."""
    subdir = None
    try:
        entries = list(os.scandir(fd))
    except OSError:
        return None
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                subdir = entry.name
            else:
                os.unlink(entry.name, dir_fd=fd)
        except OSError:
            pass
    return subdir


def _oom_counter_file():
    for path in ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control"):
        if os.path.exists(path):
            return path
    return None


# ------------------------------------------------------------------- locking a call down
# Before any tool code runs, a call's process takes the call's user id, holds no capability in any
# namespace and can gain none (empty bounding set, no_new_privs), and a seccomp filter refuses
# what would reach past the call: ptrace and reading or writing other processes' memory; mounts
# and new namespaces (a user namespace of its own would hold capabilities again); keyrings (the
# user keyring outlives calls); AF_UNIX sockets (socket() reaches any socket file of the host's
# file system, read-only mounts do not stop a connect); io_uring (it acts without the filter);
# bpf, perf events and userfaultfd. clone3 says ENOSYS, so libc falls back to the clone it checks.
class SetupError(Exception):
    """The sandbox cannot be set up safely here; the worker refuses to serve."""


_LIBC = None


def _libc():
    global _LIBC
    if _LIBC is None:
        import ctypes

        _LIBC = ctypes.CDLL(None, use_errno=True)
        _LIBC.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
        for name in ("capset", "capget", "unshare"):  # looked up now: a call's process inherits them
            getattr(_LIBC, name)
    return _LIBC


def _check(result: int, what: str) -> None:
    if result != 0:
        import ctypes

        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


class Lockdown:
    """What a call's process does before any tool code runs. Everything that can be is worked out
    once in the worker, so the call's process only makes the system calls (and checks them)."""

    def __init__(self, uid) -> None:
        import ctypes

        class Header(ctypes.Structure):
            _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

        class Program(ctypes.Structure):
            _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

        self.uid = uid
        self.nested = uid is not None and not _has_user(uid)
        with open("/proc/sys/kernel/cap_last_cap") as handle:
            last_cap = int(handle.read())
        # The bounding set is emptied here once (this process never execs) where it can be (only
        # with CAP_SETPCAP; without it no_new_privs keeps it moot), and by the call's process in a
        # nested user namespace, whose creator gets a full one there.
        self.bounding = range(last_cap + 1) if self.nested else range(0)
        if _holds(CAP_SETPCAP):
            _drop_bounding_set(range(last_cap + 1))
        self.header = ctypes.byref(Header(_LINUX_CAPABILITY_VERSION_3, 0))
        self.none, self.seen = (ctypes.c_uint32 * 6)(), (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable x2
        program = seccomp_program(os.uname().machine)
        self.buffer = ctypes.create_string_buffer(program, len(program)) if program else None
        self.program = Program(len(program) // 8, ctypes.addressof(self.buffer)) if program else None
        self.address = ctypes.addressof(self.program) if program else 0

    def apply(self) -> None:
        """In the call's process: take the call's user, drop every capability, install the filter."""
        libc = _libc()
        if self.nested:
            _nested_user(self.uid)
        _drop_bounding_set(self.bounding)
        if self.uid is not None and os.getuid() != self.uid:
            os.setgroups([])
            os.setgid(self.uid)
            os.setuid(self.uid)  # leaving root clears every capability
        _check(libc.capset(self.header, self.none), "capset")
        libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)  # old kernels have none to clear
        _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
        if self.address:
            _check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, self.address, 0, 0), "seccomp")
        _check(libc.capget(self.header, self.seen), "capget")
        if any(self.seen) or libc.prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1 or \
                (self.address and libc.prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != SECCOMP_MODE_FILTER):
            raise SetupError("the call would hold privileges after the lock-down")


def _has_user(uid: int) -> bool:
    """True when this user namespace maps ``uid`` (so setuid can reach it)."""
    with open("/proc/self/uid_map") as handle:
        for line in handle:
            inside, _, count = (int(n) for n in line.split())
            if inside <= uid < inside + count:
                return True
    return False


def _holds(cap: int) -> bool:
    with open("/proc/self/status") as handle:
        effective = next(line for line in handle if line.startswith("CapEff:"))
    return bool(int(effective.split()[1], 16) & (1 << cap))


def _drop_bounding_set(caps: range) -> None:
    for cap in caps:
        _check(_libc().prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), f"dropping capability {cap} from the bounding set")


def _nested_user(uid: int) -> None:
    """A user namespace of the call's own, where it is ``uid``: the process backend run by a user
    who is not root has only that user (root in the worker's namespace) to map it to."""
    outside_uid, outside_gid = os.getuid(), os.getgid()
    _check(_libc().unshare(CLONE_NEWUSER), "unshare(CLONE_NEWUSER)")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {outside_uid} 1"), ("gid_map", f"{uid} {outside_gid} 1")):
        with open(f"/proc/self/{name}", "w") as handle:
            handle.write(text)


def seccomp_program(machine: str):
    """The classic-BPF filter for ``machine`` as bytes, or None when there is no table for it."""
    import struct

    if machine not in SYSCALLS:
        return None
    arch, numbers = SYSCALLS[machine]
    ins = [(BPF_LD, 0, 0, 4), (BPF_JEQ, 1, 0, arch), (BPF_RET, 0, 0, DENY),  # another ABI: nothing passes
           (BPF_LD, 0, 0, 0)]  # the system call's number
    if machine == "x86_64":
        ins += [(BPF_JGE, 0, 1, X32_BIT), (BPF_RET, 0, 0, DENY)]  # the x32 ABI's numbers
    for name in DENIED:
        ins += [(BPF_JEQ, 0, 1, numbers[name]), (BPF_RET, 0, 0, DENY)]
    ins += [(BPF_JEQ, 0, 1, numbers["clone3"]), (BPF_RET, 0, 0, NOT_THERE)]
    for name, test, value in (("clone", BPF_JSET, CLONE_NAMESPACES), ("socket", BPF_JEQ, AF_UNIX)):
        ins += [(BPF_JEQ, 0, 4, numbers[name]), (BPF_LD, 0, 0, 16),  # the low half of the first argument
                (test, 0, 1, value), (BPF_RET, 0, 0, DENY), (BPF_RET, 0, 0, ALLOW)]
    ins.append((BPF_RET, 0, 0, ALLOW))
    return b"".join(struct.pack("=HBBI", *i) for i in ins)


PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS, PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 38, 39, 24, 47, 4
PR_SET_SECCOMP, PR_GET_SECCOMP, SECCOMP_MODE_FILTER = 22, 21, 2
CAP_SETPCAP, _LINUX_CAPABILITY_VERSION_3 = 8, 0x20080522
CLONE_NEWUSER, AF_UNIX = 0x10000000, 1
CLONE_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000
BPF_LD, BPF_JEQ, BPF_JGE, BPF_JSET, BPF_RET = 0x20, 0x15, 0x35, 0x45, 0x06
ALLOW, DENY, NOT_THERE, X32_BIT = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38, 0x40000000  # EPERM, ENOSYS
DENIED = ("ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "process_madvise", "kcmp",
          "mount", "umount2", "pivot_root", "chroot", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount",
          "fspick", "mount_setattr", "unshare", "setns", "keyctl", "add_key", "request_key",
          "io_uring_setup", "io_uring_enter", "io_uring_register", "bpf", "perf_event_open", "userfaultfd")
_GENERIC = dict(open_tree=428, move_mount=429, fsopen=430, fsconfig=431, fsmount=432, fspick=433, clone3=435,
                pidfd_getfd=438, process_madvise=440, mount_setattr=442, io_uring_setup=425, io_uring_enter=426,
                io_uring_register=427)
SYSCALLS = {  # machine -> (AUDIT_ARCH_*, system call numbers)
    "x86_64": (0xC000003E, dict(_GENERIC, socket=41, clone=56, ptrace=101, pivot_root=155, chroot=161, mount=165,
                                 umount2=166, add_key=248, request_key=249, keyctl=250, unshare=272,
                                 perf_event_open=298, setns=308, process_vm_readv=310, process_vm_writev=311,
                                 kcmp=312, bpf=321, userfaultfd=323)),
    "aarch64": (0xC00000B7, dict(_GENERIC, umount2=39, mount=40, pivot_root=41, chroot=51, unshare=97, ptrace=117,
                                  socket=198, add_key=217, request_key=218, keyctl=219, clone=220,
                                  perf_event_open=241, setns=268, process_vm_readv=270, process_vm_writev=271,
                                  kcmp=272, bpf=280, userfaultfd=282)),
}


# ------------------------------------------------------------------------ what outlives a call
def _held(pid: int) -> bool:
    """True when ``pid`` is stopped or traced: a call that timed out so did not do it alone."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            fields = dict(line.split(":", 1) for line in handle if ":" in line)
    except OSError:
        return False
    return fields.get("State", "").split()[:1] in (["T"], ["t"]) or fields.get("TracerPid", "0").strip() != "0"


def _out_of_reach(pids, timeout_s: float = 10.0) -> bool:
    """Wait until none of ``pids`` is dumpable under our user id (such a process could be traced,
    or its memory written, by a call of the same user); False if one still is at the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        exposed = []
        for pid in pids:
            try:
                if os.stat(f"/proc/{pid}/environ").st_uid == os.getuid():  # root's when not dumpable
                    exposed.append(pid)
            except OSError:
                pass
        if not exposed:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)


IPC_RMID = 0


def _clear_ipc() -> bool:
    """Remove what calls can leave in this IPC namespace and /dev: files in /dev/shm (POSIX shared
    memory and semaphores), POSIX message queues, SysV shared memory, semaphores and message
    queues. True when nothing is left."""
    clean = all(_empty_dir(folder) for folder in ("/dev/shm", "/dev/mqueue") if os.path.isdir(folder))
    libc = _libc()
    removers = {"shm": lambda i: libc.shmctl(i, IPC_RMID, None), "sem": lambda i: libc.semctl(i, 0, IPC_RMID),
                "msg": lambda i: libc.msgctl(i, IPC_RMID, None)}
    for kind, remove in removers.items():
        found = _sysv_ids(kind)
        for ident in found:
            remove(ident)
        clean = clean and not (found and _sysv_ids(kind))
    return clean


def _sysv_ids(kind: str) -> list:
    try:
        with open(f"/proc/sysvipc/{kind}") as handle:
            return [int(line.split()[1]) for line in handle.readlines()[1:]]
    except OSError:
        return []


# ------------------------------------------------------------------- process-backend setup
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_MOVE = 1, 2, 4, 8, 32, 4096, 8192
_MOUNT_FLAGS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC,
                "noatime": 1024, "nodiratime": 2048, "relatime": 1 << 21}
NOSEC = MS_NOSUID | MS_NODEV | MS_NOEXEC
DEVICES = ("null", "zero", "full", "random", "urandom")
PACKAGES_MOUNT = "/dev/latm-packages"


def _mount(source, target, fstype, flags, data=None) -> None:
    args = [s.encode() if s else None for s in (source, target, fstype, data)]
    _check(_libc().mount(args[0], args[1], args[2], flags, args[3]), f"mount {target}")


def private_mounts(packages=None) -> list:
    """In a private mount namespace, made by the worker before any call (calls cannot undo it: they
    hold no capability, and in the process backend run by a user they are in a user namespace
    that does not own these mounts): every mount read-only (or, where that fails, hidden under an
    empty read-only tmpfs), a 16 MB tmpfs on /tmp, and a /dev of its own with only the harmless
    devices, a 1 MB tmpfs /dev/shm and this IPC namespace's /dev/mqueue. Raises SetupError when a
    mount can be neither. Returns what was done, one short phrase each, for the host's status.

    ``packages`` (a folder of installed packages) is bound read-only at ``PACKAGES_MOUNT``: calls
    reach it there even where its own path is closed to them (a root user's workspace under /root),
    and it is taken hold of first, before /tmp (where it may lie) is covered."""
    done = []
    held = os.open(packages, os.O_RDONLY | os.O_DIRECTORY) if packages else None
    with open("/proc/self/mountinfo") as handle:
        mounts = [(fields[4], fields[5].split(",")) for fields in (line.split() for line in handle)]
    for target, options in mounts:
        if target == "/proc" or target.startswith("/proc/") or "ro" in options:
            continue
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY | sum(_MOUNT_FLAGS.get(o, 0) for o in options)
        try:
            _mount(None, target, None, flags)
        except OSError:
            if not _reachable(target):
                continue  # calls, with fewer rights than this process, cannot reach it either
            try:
                _mount("tmpfs", target, "tmpfs", MS_RDONLY | NOSEC, "size=4k,mode=555")
            except OSError as err:
                raise SetupError(f"{target} can be made neither read-only nor hidden: {err}") from None
            done.append(f"hidden {target}")
    done.append("read-only everything else")
    _mount("tmpfs", "/tmp", "tmpfs", NOSEC, "size=16m,mode=1777")
    done.append("tmpfs /tmp 16m")
    _own_dev(held)
    done.append(f"own /dev: {' '.join(DEVICES)}, tmpfs /dev/shm 1m, /dev/mqueue")
    if held is not None:
        os.close(held)
        done.append(f"packages read-only at {PACKAGES_MOUNT}")
    return done


def _reachable(path: str) -> bool:
    try:
        os.stat(path)
    except PermissionError:
        return False
    except OSError:
        pass
    return True


def _own_dev(packages_fd=None) -> None:
    """Build the new /dev in /tmp, then move it onto /dev and make it read-only."""
    stage = "/tmp/.dev"
    os.mkdir(stage)
    _mount("tmpfs", stage, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=755")
    if packages_fd is not None:  # a mount of its own: exec stays allowed there for compiled modules
        point = stage + PACKAGES_MOUNT[len("/dev"):]
        os.mkdir(point)
        _mount(f"/proc/self/fd/{packages_fd}", point, None, MS_BIND)
        _mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    for name in DEVICES:
        open(f"{stage}/{name}", "w").close()
        _mount(f"/dev/{name}", f"{stage}/{name}", None, MS_BIND)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{stage}/{name}")
    for name, fstype, data in (("shm", "tmpfs", "size=1m,mode=1777"), ("mqueue", "mqueue", None)):
        os.mkdir(f"{stage}/{name}")
        _mount(fstype, f"{stage}/{name}", fstype, NOSEC, data)
    _mount(stage, "/dev", None, MS_MOVE)
    os.rmdir(stage)
    _mount(None, "/dev", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC)


def _non_dumpable() -> None:
    """Keep tool code (the same user in a container) out of this process's /proc entries (fds,
    memory) and away from ptrace; done first, before any tool code can run."""
    PR_SET_DUMPABLE = 4
    _libc().prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def _private_pid_namespace() -> bool:
    """True as init of a fresh namespace (process backend) or among a container's few processes.

    A guard against misuse: sweeping or remounting on a real host would hit the user's own
    processes and mounts, and a real host never shows this few processes."""
    return os.getpid() == 1 or sum(n.isdigit() for n in os.listdir("/proc")) <= 8


def parse_args(argv: list) -> dict:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", action="store_true", help="serve requests on stdin/stdout")
    parser.add_argument("--hold", action="store_true", help="keep a container alive until stdin closes")
    parser.add_argument("--sweep", action="store_true",
                        help="private PID namespace only: after each call kill every leftover process and empty --scratch")
    parser.add_argument("--private-mounts", action="store_true",
                        help="tmpfs /tmp, own /dev, read-only rest (private mount and IPC namespaces only)")
    parser.add_argument("--uid", type=int, default=None,
                        help="run calls as this user id (set, or mapped in a user namespace of each call's own)")
    parser.add_argument("--nproc", type=int, default=None, help="RLIMIT_NPROC for calls")
    parser.add_argument("--packages",
                        help="a folder of installed packages calls may import (after the standard library)")
    parser.add_argument("--preload", help="comma-separated modules each call's process imports before its call")
    parser.add_argument("--scratch",
                        help="where calls get scratch space; without --sweep only a subdirectory the worker makes is used and emptied")
    opts = vars(parser.parse_args(argv))
    if opts["serve"] and not opts["scratch"]:
        parser.error("--serve needs --scratch")
    return opts


def main(argv=None) -> int:
    _non_dumpable()
    opts = parse_args(sys.argv[1:] if argv is None else argv)
    for sig in IGNORED_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    if opts["hold"]:
        return hold()
    if (opts["sweep"] or opts["private_mounts"]) and not _private_pid_namespace():
        print("worker: --sweep and --private-mounts need a private PID namespace; refusing", file=sys.stderr)
        return 2
    try:
        return serve(opts)
    except SetupError as err:
        print(f"worker: {err}; refusing to serve", file=sys.stderr)
        return 2


def hold() -> int:
    """A container's main process (PID 1): the owner's attach connection keeps it, and so the
    container, alive. As init it reaps the orphans of calls (SIGCHLD ignored), and signals from
    inside the container reach it only where it has a handler: none do."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    while os.read(0, 1 << 16):  # stdin closes when the owner's attach connection ends
        pass
    return 0


def serve(opts: dict) -> int:
    if opts["private_mounts"]:
        opts["isolation"] = private_mounts(opts["packages"])
    if opts["packages"]:  # last on the path: a package cannot stand in for a standard module
        sys.path.append(PACKAGES_MOUNT if opts["private_mounts"] else opts["packages"])
    opts["lockdown"] = Lockdown(opts["uid"])
    os.chdir("/")
    for name in PRELOAD:
        __import__(name)
    import gc

    gc.freeze()  # keeps the collector from touching (and so copying) the parent's pages in children
    worker = Worker(opts)
    try:
        worker.serve()
    except BrokenPipeError:
        pass
    finally:
        if not opts["sweep"] and _empty_dir(worker.scratch):
            os.rmdir(worker.scratch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
