"""`odoo-chaos init DIR` and `odoo-chaos validate FILES...`: the user's own files, checked without Docker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import filekinds

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [
    *(f"scenarios/{p.name}" for p in sorted((ROOT / "scenarios").iterdir())),
    "tiers/tiers.yaml",
    *(f"load-profiles/{p.name}" for p in sorted((ROOT / "load-profiles").iterdir())),
    "backup-policy.yaml",
    "dr-programme.yaml",
]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH")))),
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_init_copies_the_shipped_files_and_then_every_command_uses_them(tmp_path: Path) -> None:
    done = run("init", str(tmp_path / "mine"))
    assert done.returncode == 0, done.stderr
    mine = tmp_path / "mine"
    assert sorted(str(p.relative_to(mine)) for p in mine.rglob("*") if p.is_file()) == sorted(SHIPPED)
    for relative in SHIPPED:
        assert (mine / relative).read_bytes() == (ROOT / relative).read_bytes(), relative
    again = run("init", str(mine))
    assert again.returncode == 0 and f"0 files written, {len(SHIPPED)} already up to date" in again.stdout
    # the user's copy wins from their directory: a new drill shows in `list`, a broken one fails `list` and `validate`
    (mine / "scenarios" / "my-drill.yaml").write_text("name: my-drill\nsummary: My own drill\nduration: 20s\n")
    listed = run("list", cwd=mine)
    assert listed.returncode == 0, listed.stderr
    assert "scenarios/my-drill.yaml  [manual or patroni] My own drill" in listed.stdout
    (mine / "scenarios" / "broken.yaml").write_text("name: broken\nsummary: x\nduration: forever\n")
    listed = run("list", cwd=mine)
    assert (
        listed.returncode == 1
        and "scenarios/broken.yaml  INVALID: scenarios/broken.yaml: field duration" in listed.stdout
    )
    checked = run("validate", cwd=mine)
    assert checked.returncode == 1
    assert checked.stdout.splitlines()[-1] == f"1 of {len(SHIPPED) + 1} files invalid"


def test_init_leaves_an_edited_file_alone_unless_forced(tmp_path: Path) -> None:
    assert run("init", str(tmp_path)).returncode == 0
    tiers = tmp_path / "tiers" / "tiers.yaml"
    tiers.write_text(tiers.read_text() + "# mine\n")
    refused = run("init", str(tmp_path))
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        f"odoo-chaos: error: {tiers} exists and differs from the shipped copies; --force overwrites them"
    ]
    assert tiers.read_text().endswith("# mine\n")
    forced = run("init", str(tmp_path), "--force")
    assert forced.returncode == 0 and f"wrote {tiers}" in forced.stdout
    assert tiers.read_bytes() == (ROOT / "tiers" / "tiers.yaml").read_bytes()


def test_init_force_replaces_a_symlink_leaving_the_directory_never_its_target(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    assert run("init", str(mine)).returncode == 0
    elsewhere = tmp_path / "precious.yaml"
    elsewhere.write_text("not yours\n")
    policy = mine / "backup-policy.yaml"
    policy.unlink()
    policy.symlink_to(elsewhere)
    refused = run("init", str(mine))
    assert refused.returncode == 2 and "backup-policy.yaml exists and differs" in refused.stderr
    forced = run("init", str(mine), "--force")
    assert forced.returncode == 0, forced.stderr
    assert elsewhere.read_text() == "not yours\n"  # the file elsewhere is untouched
    assert not policy.is_symlink() and policy.read_bytes() == (ROOT / "backup-policy.yaml").read_bytes()
    assert (
        f"wrote {policy} (was a symlink to {elsewhere}; replaced by the file, its target left alone)" in forced.stdout
    )
    assert f"kept {mine / 'tiers' / 'tiers.yaml'} (same as the shipped copy)" in forced.stdout


def test_init_refuses_a_folder_that_is_a_symlink_out_of_the_directory(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (mine / "tiers").symlink_to(outside)
    refused = run("init", str(mine), "--force")
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        f"odoo-chaos: error: {mine / 'tiers'} leads outside {mine} (to {outside}); init writes only inside "
        f"{mine}: remove that symlink or choose another directory"
    ]
    assert list(outside.iterdir()) == [] and not (mine / "scenarios").exists()


def test_validate_with_no_files_checks_every_default_file_one_line_each() -> None:
    done = run("validate")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(SHIPPED) - 1  # scenarios/README.md is not a YAML file
    assert all(line.startswith("ok ") for line in lines)
    assert "ok       dr-programme   dr-programme.yaml  (" in done.stdout
    assert "ok       scenario       scenarios/baseline.yaml  (baseline: 0 steps in 60s, tier tier-1)" in done.stdout


def test_validate_names_each_invalid_file_and_exits_1(tmp_path: Path) -> None:
    odd = tmp_path / "odd.yaml"
    odd.write_text("hello: world\n")
    bad = tmp_path / "scenarios" / "bad.yaml"
    bad.parent.mkdir()
    bad.write_text("name: bad\nsummary: x\ntier: tier-9\n")
    done = run("validate", str(ROOT / "tiers" / "tiers.yaml"), str(odd), str(bad))
    assert done.returncode == 1
    assert done.stdout.splitlines()[1:] == [
        f"INVALID  ?              {odd}: cannot tell what kind of file this is; give --kind (scenario, tiers, load-profile, backup-policy, dr-programme)",
        f'INVALID  scenario       {bad}: field tier: unknown tier "tier-9" (valid: odoo-online, odoo-online-dc, tier-1, tier-2, tier-3)',
        "2 of 3 files invalid",
    ]
    as_profile = run("validate", "--kind", "load-profile", str(odd))
    assert as_profile.returncode == 1 and "field hello" in as_profile.stdout
    assert run("validate", "--kind", "bogus", str(odd)).returncode == 2


@pytest.mark.parametrize(
    ("name", "text", "kind"),
    [
        ("a.yaml", "tiers: {}\n", filekinds.TIERS),
        ("b.yaml", "title: x\nrows: []\n", filekinds.PROGRAMME),
        ("c.yaml", "promise: {daily: 1}\n", filekinds.POLICY),
        ("d.yaml", "name: x\nsummary: y\nsteps: []\n", filekinds.SCENARIO),
        ("e.yaml", "users: 3\ntasks: {}\n", filekinds.PROFILE),
    ],
)
def test_the_kind_is_told_by_the_keys(tmp_path: Path, name: str, text: str, kind: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    assert filekinds.kind_of(path) == kind


def test_the_kind_is_told_by_name_and_folder_first(tmp_path: Path) -> None:
    assert filekinds.kind_of(tmp_path / "dr-programme.yaml") == filekinds.PROGRAMME  # not even read
    assert filekinds.kind_of(tmp_path / "load-profiles" / "x.yaml") == filekinds.PROFILE
    both = tmp_path / "both.yaml"
    both.write_text("tiers: {}\nusers: 3\n")
    with pytest.raises(filekinds.UnknownKind, match="several kinds"):
        filekinds.kind_of(both)
