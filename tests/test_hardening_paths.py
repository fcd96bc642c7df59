"""Ids from the data become file and folder names that stay inside their folder."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.errors import ParameterError
from audit.paths import MAX_COMPONENT, safe_component, safe_join


@pytest.mark.parametrize("name", ["KV01", "Phòng THADS khu vực 1", "T01-2026_11", "a.b"])
def test_safe_names_are_kept(name):
    assert safe_component(name) == name


@pytest.mark.parametrize("name", ["..", ".", "../x", "../../etc/passwd", "a/b", "a\\b", "x\x00y", "tab\there",
                                  "new\nline", "/abs", "con", "NUL.txt", "a:b", "ends.", "x" * 300,
                                  "é" * 200, ".hidden"])
def test_unsafe_names_become_one_bounded_component(name, tmp_path):
    safe = safe_component(name)
    assert safe != name
    assert len(safe) <= MAX_COMPONENT and len(safe.encode()) < 255
    assert "/" not in safe and "\\" not in safe and "\x00" not in safe
    assert safe not in (".", "..") and not safe.startswith(".")
    path = tmp_path / safe
    path.mkdir()  # a real file system takes it
    assert path.parent == tmp_path


def test_distinct_ids_stay_distinct():
    names = ["../x", ".._x", "_x", "x" * 300, "x" * 301, "a/b", "a_b", "a\\b"]
    assert len({safe_component(n) for n in names}) == len(names)


@pytest.mark.parametrize("name", ["", "   ", None])
def test_empty_names_are_refused(name):
    if name is None:
        assert safe_component(name) == "None"
        return
    with pytest.raises(ParameterError, match="empty name"):
        safe_component(name)


def test_safe_join_refuses_a_planted_link(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    base = tmp_path / "base"
    base.mkdir()
    os.symlink(outside, base / "KV01")
    with pytest.raises(ParameterError, match="leads outside"):
        safe_join(base, "KV01")
    assert safe_join(base, "../KV01").parent == base.resolve()


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=400).filter(lambda s: s.strip()))
def test_any_text_gives_a_component_inside_the_folder(tmp_path_factory, name):
    base = tmp_path_factory.getbasetemp()
    safe = safe_component(name)
    assert 0 < len(safe) <= MAX_COMPONENT
    assert os.path.basename(safe) == safe and safe not in (".", "..")
    assert (base / safe).resolve().parent == base.resolve()
    assert safe_component(name) == safe  # stable
