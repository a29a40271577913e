"""The file-roots policy itself (core/roots.py): which working directories are no default, how roots combine."""

from __future__ import annotations

from pathlib import Path

import pytest

from gemini_mcp.core.roots import client_roots, describe, root_paths, server_roots
from gemini_mcp.errors import FilePathError


@pytest.mark.parametrize("cwd", ["/", "/etc", "/usr/lib", "/proc/self", "/tmp", "/home", "/var"])
def test_root_system_and_wide_directories_are_no_default(cwd: str) -> None:
    roots = server_roots([], cwd=Path(cwd))
    assert roots.paths == ()
    with pytest.raises(FilePathError, match="GEMINI_MCP_FILE_ROOTS"):
        roots.for_files(["notes.txt"])
    assert roots.for_files(["https://example.com/a.pdf"]) == []  # URLs need no root


def test_the_home_directory_itself_is_no_default_but_a_project_in_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert "home directory" in server_roots([], cwd=tmp_path).refusal
    (tmp_path / "project").mkdir()
    assert server_roots([], cwd=tmp_path / "project").paths == ((tmp_path / "project").resolve(),)


def test_the_setting_wins_over_an_unsafe_working_directory(tmp_path: Path) -> None:
    assert server_roots([tmp_path], cwd=Path("/")).paths == (tmp_path.resolve(),)


def test_client_roots_are_narrowed_to_the_setting(tmp_path: Path) -> None:
    inner, sibling = tmp_path / "a" / "inner", tmp_path / "b"
    assert client_roots([tmp_path], [inner]).paths == (inner.resolve(),)  # wider client root: the ceiling
    assert client_roots([inner], [tmp_path]).paths == (inner.resolve(),)  # narrower client root: itself
    refused = client_roots([sibling], [inner])
    assert refused.paths == () and "outside GEMINI_MCP_FILE_ROOTS" in refused.refusal
    assert client_roots([], []).paths == ()


def test_only_local_file_uris_name_roots() -> None:
    uris = ["file:///srv/work", "file://localhost/srv/x%20y", "https://example.com/repo", "file://other/host"]
    assert root_paths(uris) == [Path("/srv/work"), Path("/srv/x y")]


def test_describe_says_where_files_come_from(tmp_path: Path) -> None:
    assert describe([], client_roots_apply=True, cwd=tmp_path) == (
        f"from the client's roots; without them under {tmp_path.resolve()} (the working directory)"
    )
    assert "set GEMINI_MCP_FILE_ROOTS" in describe([], client_roots_apply=False, cwd=Path("/"))
    assert describe([tmp_path], client_roots_apply=True).endswith("(GEMINI_MCP_FILE_ROOTS)")
