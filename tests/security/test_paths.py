"""`files` paths: resolved before the root check, so traversal, symlinks and odd spellings cannot escape."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gemini_mcp.core.paths import FilePathError, is_protected, is_url, protect, resolve_file, resolve_roots


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "root"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.txt").write_text("inside", encoding="utf-8")
    (root / "with space é.txt").write_text("x", encoding="utf-8")
    outside = tmp_path / "secret.txt"
    outside.write_text("outside", encoding="utf-8")
    return root.resolve(), outside.resolve()


def test_relative_absolute_and_backslash_paths_inside_the_root(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    target = root / "docs" / "a.txt"
    assert resolve_file("docs/a.txt", [root]) == target
    assert resolve_file(str(target), [root]) == target
    assert resolve_file("docs\\a.txt", [root]) == target
    assert resolve_file("./docs/../docs/a.txt", [root]) == target
    assert resolve_file(target.as_uri(), [root]) == target
    assert resolve_file("with space é.txt", [root]) == root / "with space é.txt"


@pytest.mark.parametrize(
    "spelling",
    ["../secret.txt", "docs/../../secret.txt", "..\\secret.txt", "docs/../../../../../../etc/passwd", "/etc/passwd"],
)
def test_traversal_out_of_the_root_is_refused(tree: tuple[Path, Path], spelling: str) -> None:
    root, _ = tree
    with pytest.raises(FilePathError, match="outside the allowed file roots") as info:
        resolve_file(spelling, [root])
    assert "GEMINI_MCP_FILE_ROOTS" in str(info.value)
    assert str(info.value).startswith("files:")


def test_absolute_path_outside_is_refused_whether_or_not_it_exists(tree: tuple[Path, Path]) -> None:
    root, outside = tree
    with pytest.raises(FilePathError) as exists:
        resolve_file(str(outside), [root])
    with pytest.raises(FilePathError) as missing:
        resolve_file(str(outside.with_name("nothing.txt")), [root])
    # Same kind of message: existence outside the roots is not revealed.
    assert "outside the allowed file roots" in str(exists.value)
    assert "outside the allowed file roots" in str(missing.value)


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_symlink_pointing_outside_is_refused(tree: tuple[Path, Path]) -> None:
    root, outside = tree
    (root / "link.txt").symlink_to(outside)
    (root / "linkdir").symlink_to(outside.parent)
    with pytest.raises(FilePathError, match="outside"):
        resolve_file("link.txt", [root])
    with pytest.raises(FilePathError, match="outside"):
        resolve_file("linkdir/secret.txt", [root])


def test_tilde_expands_to_home_and_is_checked(tree: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    root, _ = tree
    monkeypatch.setenv("HOME", str(root))
    assert resolve_file("~/docs/a.txt", [root]) == root / "docs" / "a.txt"
    monkeypatch.setenv("HOME", str(root.parent))
    with pytest.raises(FilePathError, match="outside"):
        resolve_file("~/secret.txt", [root])


def test_several_roots(tree: tuple[Path, Path]) -> None:
    root, outside = tree
    assert resolve_file(str(outside), [root, outside.parent]) == outside


@pytest.mark.skipif(os.name == "nt", reason="POSIX server receiving a Windows path")
@pytest.mark.parametrize("spelling", ["C:\\Users\\me\\report.pdf", "c:/data/x.png", "\\\\server\\share\\f.txt"])
def test_windows_path_on_posix_is_explained(tree: tuple[Path, Path], spelling: str) -> None:
    root, _ = tree
    with pytest.raises(FilePathError, match="is a Windows path"):
        resolve_file(spelling, [root])


@pytest.mark.parametrize(
    ("spelling", "needle"),
    [
        ("", "empty path"),
        ("   ", "empty path"),
        ("docs/a\x00.txt", "NUL"),
        ("x" * 5000, "longer than"),
        ("docs", "not a regular file"),
        ("docs/missing.txt", "does not exist"),
        ("file://otherhost/etc/passwd", "another host"),
    ],
)
def test_bad_entries_get_a_clear_message(tree: tuple[Path, Path], spelling: str, needle: str) -> None:
    root, _ = tree
    with pytest.raises(FilePathError, match=needle):
        resolve_file(spelling, [root])


def test_roots_default_to_cwd_and_are_resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_roots(None) == [tmp_path.resolve()]
    assert resolve_roots([]) == [tmp_path.resolve()]
    (tmp_path / "a").mkdir()
    assert resolve_roots([tmp_path / "a" / ".." / "a"]) == [(tmp_path / "a").resolve()]


def test_is_url() -> None:
    assert is_url("https://example.com/x.pdf")
    assert is_url("HTTP://example.com/x.pdf")
    assert not is_url("file:///etc/passwd")
    assert not is_url("docs/a.txt")


def test_env_files_are_never_sent_even_inside_a_root(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    for name in (".env", ".env.local"):
        (root / name).write_text("GEMINI_API_KEY=AIza-secret", encoding="utf-8")
        with pytest.raises(FilePathError, match="protected file") as info:
            resolve_file(name, [root])
        assert "AIza-secret" not in str(info.value)
    (root / "env.txt").write_text("fine", encoding="utf-8")
    assert resolve_file("env.txt", [root]) == root / "env.txt"


def test_protected_files_and_directories_are_refused(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    (root / "tokens.txt").write_text("alice:secret", encoding="utf-8")
    (root / "store").mkdir()
    (root / "store" / "db.sqlite3").write_text("x", encoding="utf-8")
    protect(root / "tokens.txt", root / "store")
    for spelling in ("tokens.txt", "./docs/../tokens.txt", "store/db.sqlite3"):
        with pytest.raises(FilePathError, match="protected file"):
            resolve_file(spelling, [root])
    assert is_protected(root / "store")
    assert resolve_file("docs/a.txt", [root]) == root / "docs" / "a.txt"


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_a_symlink_to_a_protected_file_is_refused(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    (root / "secret-tokens").write_text("bob:secret", encoding="utf-8")
    protect(root / "secret-tokens")
    (root / "innocent.txt").symlink_to(root / "secret-tokens")
    with pytest.raises(FilePathError, match="protected file"):
        resolve_file("innocent.txt", [root])
