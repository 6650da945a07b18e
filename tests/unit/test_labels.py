from __future__ import annotations

import os
import re
import socket
import subprocess

from harness.edge import labels


def test_run_ids_are_unique_and_sortable() -> None:
    ids = {labels.new_run_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"\d{8}-\d{4}-[0-9a-f]{6}", i) for i in ids)


def test_every_run_label_names_the_run_and_its_owner() -> None:
    found = labels.service_labels("r1", "pg-primary")
    assert found[labels.RUN] == "r1"
    assert found[labels.SERVICE] == "pg-primary"
    assert found[labels.OWNER_PID] == str(os.getpid())
    assert found[labels.OWNER_HOST] == socket.gethostname()


def test_owner_alive_is_not_gone() -> None:
    assert not labels.owner_is_gone(labels.run_labels("r1"))


def test_owner_that_exited_is_gone() -> None:
    child = subprocess.Popen(["true"])
    child.wait()
    found = {**labels.run_labels("r1"), labels.OWNER_PID: str(child.pid)}
    assert labels.owner_is_gone(found)


def test_other_hosts_runs_are_never_gone() -> None:
    found = {**labels.run_labels("r1"), labels.OWNER_PID: "999999999", labels.OWNER_HOST: "elsewhere"}
    assert not labels.owner_is_gone(found)


def test_unlabelled_owner_is_not_gone() -> None:
    assert not labels.owner_is_gone({})
