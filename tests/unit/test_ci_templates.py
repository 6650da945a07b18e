"""The CI templates parse, and every odoo-chaos command they run exists with every option they pass.

Each `odoo-chaos ...` invocation in a script line is resolved against the CLI's command tree, run
with `--help` (exit 0), and each `--option` it passes must appear in that help.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from harness.cli import app, main

TEMPLATES = Path(__file__).resolve().parents[2] / "ci-templates"
INVOCATION = re.compile(r"(?:^|[\s(;])(?:\S*/)?odoo-chaos((?:[ \t]+[^\s;|&)]+)*)")


def github_scripts(document: dict[str, Any]) -> list[str]:
    return [step["run"] for job in document["jobs"].values() for step in job["steps"] if "run" in step]


def gitlab_scripts(document: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for job in document.values():
        if isinstance(job, dict) and "script" in job:
            for key in ("before_script", "script", "after_script"):
                lines += job.get(key, [])
    return lines


def invocations(scripts: list[str]) -> list[list[str]]:
    found = []
    for script in scripts:
        for line in script.replace("\\\n", " ").splitlines():
            if line.lstrip().startswith("#"):
                continue
            for match in INVOCATION.finditer(line):
                if match.group(1).strip():  # `test -x .venv/bin/odoo-chaos` names the program, runs nothing
                    found.append(shlex.split(match.group(1)))
    return found


def command_path(args: list[str]) -> list[str]:
    """The subcommands at the front of `args` (`images build`), resolved against the CLI's tree."""
    command: Any = typer.main.get_command(app)  # typer may vendor its own click: duck-typed
    path: list[str] = []
    for arg in args:
        commands = getattr(command, "commands", {})
        if arg not in commands:
            break
        command = commands[arg]
        path.append(arg)
    return path


@pytest.mark.parametrize(
    ("name", "scripts_of"),
    [("github-actions.yml", github_scripts), ("gitlab-ci.yml", gitlab_scripts)],
)
def test_every_command_of_a_ci_template_exists_with_its_options(
    name: str, scripts_of: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    document = yaml.safe_load((TEMPLATES / name).read_text())
    calls = invocations(scripts_of(document))
    paths = [command_path(args) for args in calls]
    assert {" ".join(p) for p in paths} >= {"images build", "index", "freshness", "run", "trend"}
    for args, path in zip(calls, paths, strict=True):
        assert path, f"{name}: `odoo-chaos {' '.join(args)}` names no command"
        monkeypatch.setattr("sys.argv", ["odoo-chaos", *path, "--help"])
        with pytest.raises(SystemExit) as exit_info:
            main()
        help_text = capsys.readouterr().out
        assert exit_info.value.code == 0, (name, path)
        for option in (a.split("=", 1)[0] for a in args if a.startswith("--")):
            assert option in help_text, f"{name}: `odoo-chaos {' '.join(path)}` has no option {option}"


def test_the_github_workflow_runs_nightly_on_a_self_hosted_docker_runner_and_publishes_junit() -> None:
    document = yaml.safe_load((TEMPLATES / "github-actions.yml").read_text())
    triggers = document[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["schedule"][0]["cron"] and "workflow_dispatch" in triggers
    job = document["jobs"]["drills"]
    assert "self-hosted" in job["runs-on"]
    uses = [step.get("uses", "") for step in job["steps"]]
    assert any(u.startswith("actions/upload-artifact") for u in uses)
    assert any("junit" in u for u in uses)
    last = job["steps"][-1]
    assert last["if"] == "always()" and "odoo-chaos freshness" in last["run"]  # a stale proof fails the job


def test_the_gitlab_job_publishes_junit_and_run_directories_and_fails_on_a_stale_proof() -> None:
    document = yaml.safe_load((TEMPLATES / "gitlab-ci.yml").read_text())
    job = document["odoo-chaos-nightly"]
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"]["junit"] == "artefacts/junit.xml"  # run --junit: one file, warn not a pass
    assert any("odoo-chaos freshness --reports" in line and "--list-due" not in line for line in job["script"])
    assert any(rule["if"].endswith('"schedule"') for rule in job["rules"])
