"""The suite says where its time went: the table tests/conftest.py prints at the end of every pytest run."""

from __future__ import annotations

from tests.conftest import spent_table


def test_the_table_sums_by_phase_then_lists_the_slowest_files_with_their_setup() -> None:
    spent = {
        ("integration/test_scenarios.py", "setup"): 600.0,
        ("integration/test_scenarios.py", "call"): 300.5,
        ("integration/test_scenarios.py", "teardown"): 2.0,
        ("unit/test_runner_order.py", "call"): 14.0,
    }
    assert spent_table(spent) == [
        "fixture setup (stack starts, warm resets)       600.0 s",
        "test bodies (drills, checks)                    314.5 s",
        "teardown (stacks down)                            2.0 s",
        "all tests (summed over workers)                 916.5 s",
        "",
        "integration/test_scenarios.py                   902.5 s  (setup 600.0 s)",
        "unit/test_runner_order.py                        14.0 s  (setup 0.0 s)",
    ]
