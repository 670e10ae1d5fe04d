"""Fixtures of the sandbox keeper's tests (keeper_support), for the files of this folder."""

from keeper_support import runtime, sorting_project  # noqa: F401 (fixtures)
