"""The bundled US-Korea baseline: official totals, labelled residuals, real market shares."""

import numpy as np
import pytest

from simulator.data import catalog
from simulator.flows import RESIDUAL


def _direction(ds, exporter, importer):
    f = ds.flows
    return (f.exporter == f.index(exporter)) & (f.importer == f.index(importer))


def _totals(year, reporter, flow, partner):
    t = catalog.read_csv("kor-usa-trade-totals")
    row = t[(t.year == year) & (t.reporter == reporter) & (t.flow == flow) & (t.partner == partner)]
    return row


def test_census_basis_matches_official_totals(census):
    f = census.flows
    imports = f.value[_direction(census, "KOR", "USA")].sum()
    exports = f.value[_direction(census, "USA", "KOR")].sum()
    t = catalog.read_csv("kor-usa-trade-totals")
    official_bal = float(t[(t.year == "2024") & (t.reporter == "USA") & (t.flow == "balance")
                           & (t.basis == "Census goods")].value_usd_bn.iloc[0]) * 1e9
    assert exports - imports == pytest.approx(official_bal, abs=1e6)
    assert round((exports - imports) / 1e9, 1) == -66.0


def test_kcs_basis_gives_the_record_surplus(kcs):
    f = kcs.flows
    surplus = f.value[_direction(kcs, "KOR", "USA")].sum() - f.value[_direction(kcs, "USA", "KOR")].sum()
    assert round(surplus / 1e9, 1) == 55.6
    assert f.value[_direction(kcs, "KOR", "USA")].sum() == pytest.approx(127.79e9, rel=1e-9)


def test_one_labelled_residual_where_the_lines_fall_short(census):
    # Census basis: Korea -> US has a residual (chapters 98-99, general vs consumption); the itemised US -> Korea
    # lines (KCS 2025, CIF) exceed the Census 2024 exports and are scaled instead, and the notes say so
    f = census.flows
    res = (f.flags & RESIDUAL) != 0
    assert res.sum() == 1
    mask = res & _direction(census, "KOR", "USA")
    assert mask.sum() == 1 and f.hs_digits[mask][0] == 0 and f.value[mask][0] > 0
    assert any("other goods, not itemised" in n for n in census.notes)
    assert any("USA -> KOR: itemised lines" in n and "scaled" in n for n in census.notes)
    from simulator.data import load_dataset
    kcs = load_dataset("kor-usa-2024", "kcs-2024")
    kres = (kcs.flows.flags & RESIDUAL) != 0
    assert (kres & _direction(kcs, "USA", "KOR")).sum() == 1 and (kres & _direction(kcs, "KOR", "USA")).sum() == 0


def test_itemised_basis_has_no_residual():
    from simulator.data import load_dataset
    ds = load_dataset("kor-usa-2024", "itemised")
    assert not ((ds.flows.flags & RESIDUAL) != 0).any()
    # Korea -> US itemised lines are the Census HS10 file, unscaled
    hs10 = catalog.read_csv("us-imports-kor-hs10-2024").value_usd.astype(float).sum()
    assert ds.flows.value[_direction(ds, "KOR", "USA")].sum() == pytest.approx(hs10)


def test_us_market_suppliers_are_real(census):
    """Per HS6, the partner rows plus Korea's HS10 lines add up to the WORLD row of the source."""
    src = catalog.read_csv("us-imports-hs6-partner-2024")
    src["value"] = src.value_usd.astype(float)
    world = src[src.partner == "WORLD"].set_index("hs6").value
    f = census.flows
    usa = (f.importer == f.index("USA")) & ((f.flags & RESIDUAL) == 0)
    hs6 = np.where(f.hs_digits == 10, f.hs // 10_000, f.hs)
    totals = np.bincount(np.searchsorted(world.index.astype(int).to_numpy(), hs6[usa]), weights=f.value[usa],
                         minlength=len(world))
    assert totals == pytest.approx(world.to_numpy(), rel=1e-6)


def test_korus_rates_for_korean_goods(census):
    f = census.flows
    kor = _direction(census, "KOR", "USA")
    # light trucks keep 25% under KORUS (HTS 8704.21.01)
    truck = kor & (f.hs // 1_000_000 == 8704) & (f.hs_digits == 10) & (f.hs // 10_000 == 870421)
    if truck.any():
        assert np.allclose(f.base_rate[truck], 0.25)
    # passenger cars are KORUS-free
    cars = kor & (f.hs // 10_000 == 870323)
    assert cars.any() and np.allclose(f.base_rate[cars], 0.0)


def test_korean_beef_rate_for_us_is_2024_korus(census):
    f = census.flows
    beef = _direction(census, "USA", "KOR") & (f.hs == 201300000)
    assert beef.sum() == 1 and f.base_rate[beef][0] == pytest.approx(0.053)


def test_unknown_basis_is_an_input_error():
    from simulator.data import load_dataset
    from simulator.errors import InputError
    with pytest.raises(InputError, match="kcs-2024"):
        load_dataset("kor-usa-2024", "kcs-2O24")
