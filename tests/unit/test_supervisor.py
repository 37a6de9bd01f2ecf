import sys
import time

import pytest

from sluice_cli.supervisor import CrashLoop, Supervisor


def _wait_exit(sup: Supervisor) -> None:
    for child in sup.children:
        assert child.process is not None
        child.process.wait(10)


def test_dead_child_is_restarted_after_backoff() -> None:
    sup = Supervisor()
    child = sup.start("quick", "json.tool", ["--help"], {})  # exits at once
    try:
        _wait_exit(sup)
        first = child.process
        now = time.monotonic()
        assert sup.supervise(now) == ["quick exited with 0; restarting"]
        assert sup.supervise(now + 0.5) == []  # still backing off (1 s)
        assert sup.supervise(now + 1.0) == ["quick restarted"]
        assert child.process is not first
    finally:
        sup.stop_all()


def test_crash_loop_gives_up() -> None:
    sup = Supervisor(max_restarts=2, restart_window=60)
    sup.start("quick", "json.tool", ["--help"], {})
    t = time.monotonic()
    try:
        for _ in range(2):  # two exits inside the window are restarted
            _wait_exit(sup)
            assert sup.supervise(t)[0].startswith("quick exited")
            t += 5
            assert sup.supervise(t) == ["quick restarted"]
        _wait_exit(sup)
        with pytest.raises(CrashLoop) as info:  # the third is one too many
            sup.supervise(t)
        assert info.value.child.name == "quick"
    finally:
        sup.stop_all()


def test_stop_all_terminates_children() -> None:
    sup = Supervisor()
    child = sup.start("sleeper", "http.server", ["0", "--bind", "127.0.0.1"], {})
    sup.stop_all(timeout=5)
    assert child.process is not None
    assert child.process.returncode is not None
    assert sys.executable in child.argv
