"""Uncertainty bands: reproducible for a seed, the same on a Dask cluster, with finite supply and instruments."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from simulator import api
from simulator.cli import app
from simulator.uncertainty import Draws, sigma_logsd, sigma_range


@pytest.fixture(scope="module")
def price_takers(root):
    return root / "docs" / "examples" / "sensitivity" / "floor-15-price-takers.toml"


def _band(result, figure, of):
    return {x.of: x for x in result.bands if x.figure == figure}[of]


def test_bands_are_reproducible_and_ordered(price_takers):
    a, _ = api.run(price_takers, draws=Draws(60, 7))
    b, _ = api.run(price_takers, draws=Draws(60, 7))
    c, _ = api.run(price_takers, draws=Draws(60, 8))
    assert a.bands == b.bands
    assert a.bands != c.bands
    trade = _band(a, "trade", "KOR → USA")
    assert trade.p5 < trade.p50 < trade.p95
    point = a.pairs.set_index(["exporter", "importer"]).loc[("KOR", "USA")].value_new
    assert trade.p5 < point < trade.p95


def test_no_dispersion_where_nothing_moves(root):
    # constant model: Korea is exempt, so its exports do not depend on any elasticity
    r, _ = api.run(root / "tests" / "scenarios" / "universal-25-korea-exempt.toml", draws=Draws(40, 1))
    trade = _band(r, "trade", "KOR → USA")
    assert trade.p5 == pytest.approx(trade.p95) == pytest.approx(131.5531e9)
    us = _band(r, "imports", "USA")
    assert us.p5 < us.p95


def test_sigma_spread_comes_from_the_estimates(price_takers):
    sf = api.load_scenario(price_takers)
    ds = api.dataset_for(sf)
    from simulator.markets import markets
    mk = markets(ds.flows)
    sd = sigma_logsd(ds.flows, mk)
    assert np.all(sd > 0) and len(np.unique(sd)) > 5           # per HS6, by the number of its estimates
    from simulator.data import elasticities as bundled
    r = bundled.robust_us_hs6()
    few, many = r.logsd[r.logsd.idxmax()], r.logsd[r.logsd.idxmin()]
    assert many < few < r.tau                                  # more estimates, a tighter posterior


def test_bands_with_finite_export_supply(root):
    # the shipped library's default: armington with export supply 2; every draw converges, markets of
    # near-perfect substitutes included (the drawn sigma reaches the largest Broda-Weinstein estimate)
    a, _ = api.run(root / "scenarios" / "floor-15.toml", draws=Draws(12, 3))
    b, _ = api.run(root / "scenarios" / "floor-15.toml", draws=Draws(12, 3))
    assert a.bands == b.bands
    assert not any("did not converge" in n for n in a.notes)
    trade = _band(a, "trade", "KOR → USA")
    point = a.pairs.set_index(["exporter", "importer"]).loc[("KOR", "USA")].value_new
    assert trade.p5 < point < trade.p95
    welfare = _band(a, "welfare", "USA")
    assert welfare.p5 < welfare.p50 < welfare.p95


def test_quotas_are_solved_again_in_every_draw(price_takers, tmp_path):
    # a binding restraint on all of Korea's exports holds them at the limit whatever the elasticities: a band
    # computed with the point solution's quota wedge would spread instead
    f = tmp_path / "restraint.toml"
    f.write_text(f'name = "restraint"\nextends = "{price_takers.as_posix()}"\n\n[[quotas]]\nid = "kor"\n'
                 'kind = "export-restraint"\nimporter = "USA"\nexporters = ["KOR"]\nproducts = ["*"]\n'
                 'limit_value = 1.0e11\n')
    r, _ = api.run(f, draws=Draws(6, 1))
    trade = _band(r, "trade", "KOR → USA")
    assert trade.p5 == pytest.approx(1e11, rel=1e-8) and trade.p95 == pytest.approx(1e11, rel=1e-8)
    assert _band(r, "trade", "USA → KOR").p5 < _band(r, "trade", "USA → KOR").p95
    assert any("solved again for every draw" in n for n in r.notes)


def test_dask_local_cluster_matches_in_process(root, price_takers):
    distributed = pytest.importorskip("dask.distributed")
    sf = api.load_scenario(price_takers)
    finite = api.load_scenario(root / "scenarios" / "floor-15.toml")
    here, _ = api.run(sf, draws=Draws(30, 5))
    here_finite, _ = api.run(finite, draws=Draws(6, 5))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0",
                                  processes=True) as cluster, distributed.Client(cluster) as client:
        there, _ = api.run(sf, draws=Draws(30, 5), client=client)
        there_finite, _ = api.run(finite, draws=Draws(6, 5), client=client)
        cmp, _ = api.compare([sf.path, sf.path.parent / "floor-15-price-takers.toml"], draws=Draws(10, 5), client=client)
    assert here.bands == there.bands                      # exactly the same numbers
    assert here_finite.bands == there_finite.bands
    local, _ = api.compare([sf.path, sf.path.parent / "floor-15-price-takers.toml"], draws=Draws(10, 5))
    assert [r.bands for r in cmp.results] == [r.bands for r in local.results]
    assert cmp.headline().equals(local.headline())


def test_cli_bands(root, price_takers):
    r = CliRunner().invoke(app, ["run", str(price_takers), "--draws", "20", "--seed", "2", "-f", "json"])
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["scenario"]["draws"] == {"n": 20, "seed": 2} and doc["bands"]
    assert {"figure", "of", "p5", "p50", "p95"} == set(doc["bands"][0])
    r = CliRunner().invoke(app, ["run", str(price_takers), "--dask", "local"])
    assert r.exit_code == 2
    r = CliRunner().invoke(app, ["compare", str(price_takers), str(root / "tests" / "scenarios" / "universal-25-korea-exempt.toml"),
                                 "--draws", "10", "-f", "markdown"])
    assert r.exit_code == 0, r.stderr
    assert "### Uncertainty bands" in r.stdout


def test_documented_sigma_range_is_the_estimates_range(root):
    lo, hi = sigma_range()
    text = (root / "docs" / "MODELS.md").read_text()
    assert f"({lo:.2f} to {hi:.2f})" in text.replace("\n", " ")
    assert 1 < lo < 1.1 and 5 < hi < 10


def _bands_at_chunk_size(monkeypatch, path, flows_per_chunk, draws: Draws | None = None):
    import simulator.uncertainty as unc
    monkeypatch.setattr(unc, "FLOWS_PER_CHUNK", flows_per_chunk)
    return api.run(path, draws=draws or Draws(12, 7))[0].bands


@pytest.mark.parametrize("model", ["armington", "constant", "smart", "gsim"])
def test_stacked_draws_are_the_same_bits_whatever_the_chunk_size(root, tmp_path, monkeypatch, model):
    # price takers: a chunk of D draws is one stacked problem; each draw's numbers are what it gives alone
    path = tmp_path / f"{model}.toml"
    path.write_text(f'name = "{model}, price takers"\nextends = "{(root / "scenarios" / "floor-15.toml").as_posix()}"\n'
                    f'[model]\nname = "{model}"\n[elasticities]\nexport_supply = inf\n')
    assert len(Draws(12, 7).chunks(400_000, 10 ** 8)) == 1 and len(Draws(12, 7).chunks(400_000, 1)) == 12
    one = _bands_at_chunk_size(monkeypatch, path, 10 ** 8)
    many = _bands_at_chunk_size(monkeypatch, path, 1)
    assert len(one) > 0 and one == many


def test_draws_solved_by_newton_are_the_same_bits_whatever_the_chunk_size(root, monkeypatch):
    # finite export supply: each draw is its own Newton solve (a stacked solve would share one stop), so the
    # chunk size cannot reach the bits
    assert len(Draws(12, 7).chunks(400_000, 10 ** 8, stacked=False)) == 12
    path = root / "scenarios" / "floor-15.toml"
    one = _bands_at_chunk_size(monkeypatch, path, 10 ** 8, Draws(6, 7))
    many = _bands_at_chunk_size(monkeypatch, path, 1, Draws(6, 7))
    assert len(one) > 0 and one == many


def test_bands_are_the_same_bits_on_one_thread_or_two_and_in_either_order(root, monkeypatch):
    """A regression test of reproducibility: the chunks of draws run on one worker thread or two, and after another
    scenario's draws or before, give exactly the same bands (the chunks are stacked in their own order)."""
    import simulator.uncertainty as unc
    floor, exemption = root / "scenarios" / "floor-15.toml", root / "scenarios" / "exemption.toml"
    assert len(Draws(6, 3).chunks(400_000)) > 1          # several chunks, so the threads share them out

    def bands(path, threads):
        monkeypatch.setattr(unc.os, "cpu_count", lambda: threads)
        return api.run(path, draws=Draws(6, 3))[0].bands
    first = bands(floor, 2)
    bands(exemption, 2)
    assert bands(floor, 1) == first and bands(floor, 2) == first


def test_draws_merge_lines_into_cells_without_changing_a_band_beyond_rounding(root, monkeypatch):
    """armington's draws are solved on cells, a supplier's lines of one market that pay the same rates merged
    into one variety of their summed value: the same equations, so the same bands as every flow on its own, to
    rounding (the sums run in another order)."""
    import simulator.uncertainty as unc
    path = root / "scenarios" / "floor-15.toml"
    merged = api.run(path, draws=Draws(4, 11))[0].bands
    monkeypatch.setattr(unc._Cells, "merge", False)
    alone = api.run(path, draws=Draws(4, 11))[0].bands
    assert len(merged) == len(alone) > 10
    for m, a in zip(merged, alone):
        assert (m.figure, m.of) == (a.figure, a.of)
        for q in ("p5", "p50", "p95"):
            assert getattr(m, q) == pytest.approx(getattr(a, q), rel=1e-9, abs=1e-3), (m, a)


SPLIT = """importer,exporter,hs,value,base_rate
USA,KOR,8703230110,600,0.025
USA,KOR,8703230190,400,0.025
USA,DEU,8703230110,300,0.025
USA,DEU,8703230190,200,0.10
USA,JPN,8703230110,900,0.025
USA,JPN,8703240000,700,0.025
USA,KOR,8703240000,250,0.025
KOR,USA,0201300000,500,0.40
"""


def test_a_suppliers_lines_at_the_same_rates_are_one_variety(tmp_path):
    """The Armington equations see a supplier's lines of one HS6 market that pay the same rates as one variety:
    Korea's two lines of 870323 give the bands of one line of their summed value (Germany's two lines pay
    different base rates, so they stay two)."""
    merged = SPLIT.replace("USA,KOR,8703230110,600", "USA,KOR,8703230110,1000").replace(
        "USA,KOR,8703230190,400,0.025\n", "")
    bands = []
    for name, text in (("split", SPLIT), ("merged", merged)):
        (tmp_path / f"{name}.csv").write_text(text)
        (tmp_path / f"{name}.toml").write_text(
            f'name = "{name}"\n[data]\nflows = "{name}.csv"\n[model]\nname = "armington"\n'
            '[elasticities]\nexport_supply = 2.0\n'
            '[[measures]]\nid = "cars"\nkind = "add"\nrate = 0.25\nimporter = "USA"\nproducts = ["8703"]\n')
        bands.append(api.run(tmp_path / f"{name}.toml", draws=Draws(20, 5))[0].bands)
    split, one = bands
    assert len(split) == len(one) > 0
    trade = {(b.figure, b.of): b for b in split}[("trade", "KOR → USA")]
    assert trade.p5 < trade.p95                             # the draws move it
    for s, m in zip(split, one):
        for q in ("p5", "p50", "p95"):
            assert getattr(s, q) == pytest.approx(getattr(m, q), rel=1e-12, abs=1e-9), (s, m)
