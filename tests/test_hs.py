"""HS codes as integers: prefixes, longest match, agreement with a slow string reference."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import hs


def test_prefix_problems():
    assert hs.prefix_problem("0201") is None
    assert hs.prefix_problem("*") is None
    assert hs.prefix_problem("8703.23") is None
    assert "not an HS prefix" in hs.prefix_problem("84713X")
    assert "leading zero" in hs.prefix_problem("20130")
    assert hs.prefix_problem("") is not None


def test_parse_and_format_keep_leading_zeros():
    assert hs.parse_prefix("0201") == (201, 4)
    assert hs.format_code(201, 4) == "0201"
    assert hs.format_code(201300, 6) == "201300" and hs.format_code(20130, 6) == "020130"
    assert hs.parse_prefix("*") == (0, 0)


def test_truncate_and_chapter():
    codes = np.array([201300000, 870323, 0])
    digits = np.array([10, 6, 0])
    assert hs.truncate(codes, digits, 4).tolist() == [201, 8703, -1]
    assert hs.chapter(codes, digits).tolist() == [2, 87, 0]


def test_rule_more_detailed_than_code_does_not_match():
    ps = hs.PrefixSet([(87032301, 8)])
    assert ps.matches(np.array([870323]), np.array([6])).tolist() == [False]
    assert ps.matches(np.array([8703230190]), np.array([10])).tolist() == [True]


def test_star_matches_residual_lines():
    ps = hs.PrefixSet([(0, 0)])
    assert ps.matches(np.array([0, 201]), np.array([0, 4])).all()
    assert not hs.PrefixSet([(2, 2)]).matches(np.array([0]), np.array([0]))[0]


def test_longest_match_prefers_longer_prefix():
    prefixes = [(87, 2), (8703, 4), (870323, 6), (0, 0)]
    codes = np.array([8703231010, 8704100000, 8703100000, 201300000])
    digits = np.full(4, 10)
    assert hs.longest_match(codes, digits, prefixes).tolist() == [2, 0, 1, 3]


def _slow_longest(code: str, prefixes: list[str]) -> int:
    best, best_len = -1, -1
    for i, p in enumerate(prefixes):
        if (p == "*" or code.startswith(p)) and len(p.strip("*")) > best_len and len(p.strip("*")) <= len(code):
            best, best_len = i, len(p.strip("*"))
    return best


codes_st = st.lists(st.sampled_from([2, 4, 6, 8, 10]).flatmap(
    lambda d: st.text("0123456789", min_size=d, max_size=d)), min_size=1, max_size=40)
prefix_st = st.lists(st.one_of(st.just("*"), st.sampled_from([2, 4, 6]).flatmap(
    lambda d: st.text("0123", min_size=d, max_size=d))), min_size=1, max_size=15, unique=True)


@settings(max_examples=200, deadline=None)
@given(codes=codes_st, prefixes=prefix_st)
def test_vectorised_matching_equals_string_reference(codes, prefixes):
    # Restrict digits so that prefixes hit often.
    codes = [c.translate(str.maketrans("456789", "012301")) for c in codes]
    arr = np.array([int(c) for c in codes], dtype=np.int64)
    digits = np.array([len(c) for c in codes])
    parsed = [hs.parse_prefix(p) for p in prefixes]
    got = hs.longest_match(arr, digits, parsed)
    want = [_slow_longest(c, prefixes) for c in codes]
    # Ties between equal prefixes cannot happen (unique), so indices must agree exactly.
    assert got.tolist() == want
    mask = hs.PrefixSet(parsed).matches(arr, digits)
    assert mask.tolist() == [w >= 0 for w in want]
