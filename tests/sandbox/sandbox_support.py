"""Helpers shared by the sandbox tests."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest
from sandbox_settings import sandbox_settings as settings  # noqa: F401 - the sandbox tests call it settings

from latm.sandbox.docker_engine import WORKER_FILES
from latm.sandbox.process_backend import ProcessSandbox, isolation_mode, worker_command, worker_path

# Who runs the tests, and the user that the tests of "latm run by a user who is not root" run
# latm's worker as: run by root, a user id with no account, so it owns nothing on this machine but
# what a test gives it; run by a user, that user (then ``process_sandbox`` is that case).
RUN_BY_ROOT = os.geteuid() == 0
USER_UID = 24242 if RUN_BY_ROOT else os.geteuid()
PROCESS = "process" if RUN_BY_ROOT else "process-user"  # what process_sandbox is, in attack_table's terms


def as_user(uid: int) -> tuple:
    """A command prefix that runs the rest as ``uid`` (its own group, no supplementary groups);
    nothing when that is who runs it already."""
    if uid == os.geteuid():
        return ()
    return ("setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--")


class UserProcessSandbox(ProcessSandbox):
    """The process backend exactly as latm starts it for a user who is not root, with the worker
    started as that user. The worker file is copied where that user can read it."""

    def __init__(self, settings, uid: int, worker: str) -> None:
        super().__init__(settings)
        self.uid, self.worker = uid, worker
        self.mode = isolation_mode(as_user(uid), uid)

    def _command(self, scratch: str) -> list:
        return [*as_user(self.uid), *worker_command(self.mode, self.uid, scratch, self.worker)]

    def _scratch(self) -> str:
        scratch = super()._scratch()
        os.chown(scratch, self.uid, self.uid)  # as latm run by that user would make it
        return scratch


def kill_the_first_start(sandbox, monkeypatch) -> list:
    """Make the engine kill ``sandbox``'s next container just before its worker is started in it
    (a real container dying during its start); returns the list that records the one killed."""
    real_exec_create, killed = sandbox.api.exec_create, []

    def kill_the_first(container, *args, **kwargs):
        if not killed:
            killed.append(container)
            sandbox.api.kill(container)
        return real_exec_create(container, *args, **kwargs)

    monkeypatch.setattr(sandbox.api, "exec_create", kill_the_first)
    return killed


def readable_worker_copy() -> Path:
    """The worker's files copied into a fresh directory anyone may read (the checkout may be
    under /root); the copy of worker.py."""
    folder = Path(tempfile.mkdtemp(prefix="latm-worker-", dir="/var/tmp"))
    folder.chmod(0o755)
    for name in WORKER_FILES:
        shutil.copyfile(Path(worker_path()).parent / name, folder / name)
        (folder / name).chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return folder / "worker.py"


def remove_worker_copy(copy: Path) -> None:
    shutil.rmtree(copy.parent)


@pytest.fixture(scope="session")
def user_process_sandbox():
    """The process backend as run by a user who is not root (``USER_UID``). Needs root to become
    that user; when the tests run as another user, ``process_sandbox`` is this case."""
    if not RUN_BY_ROOT:
        pytest.skip("the tests run as a user who is not root: process_sandbox is that case")
    copy = readable_worker_copy()
    sandbox = UserProcessSandbox(settings(sandbox="process"), USER_UID, str(copy))
    yield sandbox
    sandbox.close()
    remove_worker_copy(copy)
