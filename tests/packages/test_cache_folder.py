"""The user's package cache (wheels, package folders, the remembered catalog of allowed packages)
without ``HOME`` or ``XDG_CACHE_HOME``: a folder of this user's own in the temporary folder, made
0700, and refused with a clear message when another user could have put files in it. Real folders;
the temporary folder is the test's own."""

from __future__ import annotations

import os
import stat
import tempfile

import pytest

from latm.errors import PackagesUnavailable
from latm.sandbox.packages import cache_home
from latm.sandbox.tool_packages import ToolPackages
from latm.settings import Settings

OTHER_UID = 4242


@pytest.fixture
def temporary(tmp_path, monkeypatch):
    """The temporary folder (``tempfile.gettempdir()``) is the test's own; no HOME, no XDG_CACHE_HOME."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    return tmp_path


def test_without_a_home_the_cache_is_a_private_folder_of_this_user(temporary):
    folder = cache_home({})
    assert folder.parent == temporary and str(os.geteuid()) in folder.name
    info = os.lstat(folder)
    assert stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) == 0o700
    assert cache_home({}) == folder  # found again, not refused


def _planted(temporary, kind: str):
    folder = temporary / f"latm-cache-{os.geteuid()}"
    if kind == "link":
        (temporary / "theirs").mkdir()
        folder.symlink_to(temporary / "theirs")
        return folder
    folder.mkdir()
    if kind == "world-writable":
        os.chmod(folder, 0o777)
    elif kind == "group-writable":
        os.chmod(folder, 0o770)
    elif kind == "another-users":
        os.chown(folder, OTHER_UID, OTHER_UID)
        os.chmod(folder, 0o700)
    return folder


@pytest.mark.parametrize("kind", ["world-writable", "group-writable", "another-users", "link"])
def test_a_cache_folder_another_user_could_fill_is_refused(temporary, kind):
    if kind == "another-users" and os.geteuid() != 0:
        pytest.skip("making a folder of another user needs root (CI runs as root)")
    folder = _planted(temporary, kind)
    with pytest.raises(PackagesUnavailable) as refused:
        cache_home({})
    message = str(refused.value)
    assert str(folder) in message and "XDG_CACHE_HOME" in message, message
    packages = ToolPackages(Settings(), None)  # a standard-library tool never needs the cache
    with pytest.raises(PackagesUnavailable):
        packages.cache


def test_the_users_own_cache_folder_is_used_as_configured(tmp_path):
    assert cache_home({"XDG_CACHE_HOME": str(tmp_path / "c")}) == tmp_path / "c" / "latm"
    assert cache_home({"HOME": str(tmp_path)}) == tmp_path / ".cache" / "latm"
