"""The cyclic collector paused during a bulk import, and left as it was found."""

import gc
import threading

import pytest

from landbank.services.collector import collector_paused


def test_the_collector_is_paused_within_and_resumed_after_even_on_an_error():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("a bad row")
    assert gc.isenabled()


def test_overlapping_imports_resume_it_only_when_the_last_ends():
    first_in, second_done = threading.Event(), threading.Event()
    seen = {}

    def first():
        with collector_paused():
            first_in.set()
            second_done.wait(10)
            seen["while first runs alone"] = gc.isenabled()

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(10)
    with collector_paused():
        seen["both"] = gc.isenabled()
    second_done.set()
    thread.join(10)
    assert seen == {"both": False, "while first runs alone": False}
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
