"""The cache of checked rule sets between runs (ssa_risk.base.cache, ssa_risk.rules.loader):
a hit gives the rule set a fresh load gives, any change to the rule files or the code is a
miss, a rule set with problems is never stored, and no state of the cache folder fails a run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ssa_risk.base import cache
from ssa_risk.base.errors import InputError
from ssa_risk.rules import loader
from ssa_risk.rules.loader import load_rules

BAD_SEVERITY = (
    "rules/assistance_design.yaml:11:5: rule PLAN-01: severity: 'hihg' is not an allowed value "
    "— did you mean 'high'? (one of: low, moderate, high, critical)"
)


@pytest.fixture
def folder(own_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of the test's own, the working folder beside it."""
    monkeypatch.chdir(tmp_path)
    return own_cache


def entries(folder: Path) -> list[Path]:
    return sorted((folder / "rules").glob("*.bin")) if (folder / "rules").is_dir() else []


@pytest.fixture
def fresh_loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the loads that read and check the files (misses), by folder shown."""
    seen: list[str] = []
    real = loader._load

    def counted(directory: Path, shown: str, label: str | None) -> loader.RuleSet:
        seen.append(shown)
        return real(directory, shown, label)

    monkeypatch.setattr(loader, "_load", counted)
    return seen


def test_a_hit_is_the_rule_set_a_miss_loads(folder, rules_copy, fresh_loads):
    missed = load_rules(rules_copy)
    assert len(entries(folder)) == 1
    hit = load_rules(rules_copy)
    assert fresh_loads == ["rules"]  # the second load read the entry
    assert hit == missed
    assert hit is not missed
    assert hit.files == missed.files
    assert [r.logic_sha256 for r in hit.rules] == [r.logic_sha256 for r in missed.rules]


def test_editing_a_rule_file_is_a_miss(folder, rules_copy, fresh_loads):
    before = load_rules(rules_copy)
    path = rules_copy / "assistance_design.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "Uncoordinated donors and a shopping-list partner", "Donors who do not coordinate"
        ),
        encoding="utf-8",
    )
    after = load_rules(rules_copy)
    assert fresh_loads == ["rules", "rules"]
    assert before.rule("PLAN-01").title == "Uncoordinated donors and a shopping-list partner"
    assert after.rule("PLAN-01").title == "Donors who do not coordinate"
    assert len(entries(folder)) == 2
    # Writing the old text back finds the first entry again.
    path.write_text(text, encoding="utf-8")
    assert load_rules(rules_copy) == before
    assert fresh_loads == ["rules", "rules"]


def test_a_file_added_to_the_folder_is_a_miss(folder, rules_copy, fresh_loads):
    load_rules(rules_copy)
    (rules_copy / "notes.yml").write_text("x: 1\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_rules(rules_copy)
    assert str(caught.value) == (
        "rules/notes.yml: rule files end in .yaml: this file is not read — rename it to notes.yaml"
    )


def test_other_code_is_a_miss(folder, rules_copy, fresh_loads, monkeypatch):
    load_rules(rules_copy)
    monkeypatch.setattr(cache, "engine_fingerprint", lambda: "other code")
    load_rules(rules_copy)
    assert fresh_loads == ["rules", "rules"]
    assert len(entries(folder)) == 2


def test_the_fingerprint_follows_each_source_file(tmp_path):
    package = tmp_path / "package"
    (package / "sub").mkdir(parents=True)
    (package / "defaults").mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "sub" / "module.py").write_text("x = 1\n", encoding="utf-8")
    (package / "sub" / "schema.json").write_text("{}", encoding="utf-8")
    (package / "defaults" / "rule.py").write_text("", encoding="utf-8")
    (package / "notes.txt").write_text("", encoding="utf-8")
    first = cache._source_files(package)
    assert [name for name, _ in first] == ["__init__.py", "sub/module.py", "sub/schema.json"]
    os.utime(package / "sub" / "module.py", ns=(1, 1))
    second = cache._source_files(package)
    assert [(n, s.st_mtime_ns, s.st_size) for n, s in first] != [
        (n, s.st_mtime_ns, s.st_size) for n, s in second
    ]


def test_problems_are_reported_on_every_run_and_never_stored(folder, rules_copy, fresh_loads):
    path = rules_copy / "assistance_design.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("severity: high", "severity: hihg", 1),
        encoding="utf-8",
    )
    for _ in range(2):
        with pytest.raises(InputError) as caught:
            load_rules(rules_copy)
        assert str(caught.value) == BAD_SEVERITY
    assert fresh_loads == ["rules", "rules"]
    assert entries(folder) == []


def test_a_damaged_entry_is_ignored_and_written_again(folder, rules_copy, fresh_loads):
    good = load_rules(rules_copy)
    [entry] = entries(folder)
    whole = entry.read_bytes()
    # A changed byte in the middle, a cut-off file, and something else altogether.
    middle = len(whole) // 2
    flipped = whole[:middle] + bytes([whole[middle] ^ 0xFF]) + whole[middle + 1 :]
    for damage in (flipped, whole[: len(whole) // 3], b"not an entry"):
        entry.write_bytes(damage)
        assert load_rules(rules_copy) == good
        assert cache.read_entry("rules", entry.stem) is not None  # written again, whole
    assert fresh_loads == ["rules"] * 4
    assert load_rules(rules_copy) == good
    assert fresh_loads == ["rules"] * 4  # and read again


def test_an_entry_that_unpickles_to_something_else_is_ignored(folder, rules_copy, fresh_loads):
    good = load_rules(rules_copy)
    [entry] = entries(folder)
    key = entry.stem
    assert cache.write_entry("rules", key, b"\x80\x04K\x01.")  # the pickle of 1
    assert load_rules(rules_copy) == good
    assert fresh_loads == ["rules", "rules"]


def test_turned_off_it_reads_and_writes_nothing(folder, rules_copy, fresh_loads, monkeypatch):
    monkeypatch.setenv(cache.ENV_SWITCH, "off")
    load_rules(rules_copy)
    load_rules(rules_copy)
    assert fresh_loads == ["rules", "rules"]
    assert not folder.exists()


def test_a_cache_folder_that_cannot_be_made_fails_nothing(tmp_path, rules_copy, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv(cache.ENV_DIR, str(blocker / "cache"))
    monkeypatch.chdir(tmp_path)
    assert load_rules(rules_copy) == load_rules(rules_copy)
    assert blocker.read_text(encoding="utf-8") == ""


def test_where_the_cache_is(monkeypatch, tmp_path):
    monkeypatch.delenv(cache.ENV_SWITCH, raising=False)
    monkeypatch.setenv(cache.ENV_DIR, str(tmp_path / "named"))
    assert cache.cache_folder() == tmp_path / "named"
    monkeypatch.delenv(cache.ENV_DIR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_folder() == tmp_path / "xdg" / "ssa-risk"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/is/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_folder() == tmp_path / "home" / ".cache" / "ssa-risk"
    for off in ("off", "0", "no", "false", "OFF"):
        monkeypatch.setenv(cache.ENV_SWITCH, off)
        assert cache.cache_folder() is None


def test_old_entries_go_beyond_the_limit(folder, monkeypatch):
    monkeypatch.setattr(cache, "KEEP", 3)
    for n in range(5):
        assert cache.write_entry("rules", f"key{n}", b"body")
        os.utime(folder / "rules" / f"key{n}.bin", ns=(n, n))
    cache.write_entry("rules", "key5", b"body")
    assert [p.name for p in entries(folder)] == ["key3.bin", "key4.bin", "key5.bin"]
    assert cache.read_entry("rules", "key5") == b"body"
    assert cache.read_entry("rules", "key0") is None


@pytest.mark.parametrize("where", ["root", "kind"])
def test_a_cache_folder_others_can_write_is_not_used(folder, rules_copy, fresh_loads, where):
    # An entry is a pickle: one another user could have written must never be read.
    cache.write_entry("rules", "planted", b"body")
    assert cache.read_entry("rules", "planted") == b"body"
    shared = folder if where == "root" else folder / "rules"
    shared.chmod(0o777)
    cache._TRUSTED.clear()  # a new process: it looks again
    assert cache.read_entry("rules", "planted") is None
    assert not cache.write_entry("rules", "other", b"body")
    load_rules(rules_copy)
    load_rules(rules_copy)
    assert fresh_loads == ["rules", "rules"]
    assert [p.name for p in entries(folder)] == ["planted.bin"]


def test_a_cache_folder_that_is_a_link_is_not_used(tmp_path, rules_copy, monkeypatch):
    real = tmp_path / "elsewhere"
    real.mkdir(mode=0o700)
    (tmp_path / "cache").symlink_to(real)
    monkeypatch.setenv(cache.ENV_DIR, str(tmp_path / "cache"))
    monkeypatch.delenv(cache.ENV_SWITCH, raising=False)
    assert not cache.write_entry("rules", "key", b"body")
    assert list(real.iterdir()) == []


def test_the_folders_it_makes_are_the_users_own(folder):
    assert cache.write_entry("charts", "key", b"body")
    for made in (folder, folder / "charts"):
        assert made.stat().st_mode & 0o777 == 0o700
    assert (folder / "charts" / "key.bin").stat().st_mode & 0o777 == 0o600
