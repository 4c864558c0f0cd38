"""Legal but degenerate inputs give finite, meaningful answers or a clear error: markets with no trade, two
tariff-rate quotas on one flow, results that would print an infinity."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from simulator import api
from simulator.cli import app
from simulator.errors import InputError
from simulator.report import check_finite
from simulator.report.explain import path_frame

HEADER = "importer,exporter,hs,value,base_rate\n"
# the US car market has no trade in the base year; the motors market does
ZERO_MARKET = HEADER + "USA,KOR,870323,0,0.025\nUSA,RW,870323,0,0.10\nUSA,KOR,8501,100,0\nKOR,USA,0201,500,0.40\n"


def _scenario(tmp_path, flows: str, body: str, model: str = "armington") -> str:
    (tmp_path / "flows.csv").write_text(flows)
    path = tmp_path / "s.toml"
    path.write_text(f'name = "edge"\n[data]\nflows = "flows.csv"\nregions = ["RW"]\n[model]\nname = "{model}"\n{body}')
    return str(path)


def _finite_numbers(doc) -> bool:
    if isinstance(doc, dict):
        return all(_finite_numbers(v) for v in doc.values())
    if isinstance(doc, list):
        return all(_finite_numbers(v) for v in doc)
    return not isinstance(doc, float) or math.isfinite(doc)


@pytest.mark.parametrize("supply", ["inf", "5"])
@pytest.mark.parametrize("model", ["armington", "constant"])
def test_a_market_with_no_trade_stays_at_zero_and_the_totals_stay_finite(tmp_path, supply, model):
    path = _scenario(tmp_path, ZERO_MARKET, f"[elasticities]\nexport_supply = {supply}\n"
                     '[[measures]]\nid = "m"\nkind = "add"\nrate = 0.25\nimporter = "USA"\n', model)
    out = CliRunner().invoke(app, ["run", path, "-f", "json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    usa = next(c for c in doc["countries"] if c["country"] == "USA")
    assert all(usa[k] is not None for k in ("imports_new", "tariff_revenue_new", "consumer_surplus_change", "welfare_change"))
    # the motors keep their own answer: the empty car market adds nothing and takes nothing
    assert 0 < usa["imports_new"] < 100
    kor_usa = next(p for p in doc["pairs"] if p["exporter"] == "KOR" and p["importer"] == "USA")
    assert kor_usa["value_new"] == pytest.approx(usa["imports_new"] - 0.0)
    assert _finite_numbers(doc)


def test_a_pair_with_no_trade_has_no_rate_but_collects_nothing(tmp_path):
    flows = HEADER + "USA,KOR,870323,0,0.025\nUSA,RW,8501,100,0\n"
    path = _scenario(tmp_path, flows, '[[measures]]\nid = "m"\nkind = "add"\nrate = 0.25\nimporter = "USA"\n')
    result, _ = api.run(path)
    rates = result.effective_rates("USA").set_index("exporter")
    assert rates.loc["KOR", "revenue_new"] == 0.0 and rates.loc["KOR", "revenue_base"] == 0.0
    assert math.isnan(result.pairs.set_index("exporter").loc["KOR", "tariff_rate_new"])


def test_two_tariff_rate_quotas_on_one_flow_are_refused(tmp_path):
    quota = ('[[quotas]]\nid = "{}"\nkind = "trq"\nimporter = "KOR"\nexporters = ["USA"]\nproducts = ["0201"]\n'
             'in_rate = 0.05\nout_rate = 5.13\nlimit_value = 300\n')
    path = _scenario(tmp_path, ZERO_MARKET, quota.format("q1") + quota.format("q2"))
    out = CliRunner().invoke(app, ["run", path])
    assert out.exit_code == 1
    assert "quotas 'q2': covers 1 flow(s) that tariff-rate quota 'q1' also covers" in out.output
    assert "Traceback" not in out.output


def test_quotas_on_different_flows_still_run(tmp_path):
    quota = ('[[quotas]]\nid = "{}"\nkind = "trq"\nimporter = "KOR"\nexporters = ["USA"]\nproducts = ["{}"]\n'
             'in_rate = 0.05\nout_rate = 5.13\nlimit_value = 300\n')
    flows = ZERO_MARKET + "KOR,USA,1006,200,0.05\n"
    path = _scenario(tmp_path, flows, quota.format("beef", "0201") + quota.format("rice", "1006"))
    assert CliRunner().invoke(app, ["run", path]).exit_code == 0


def test_a_result_holding_an_infinity_is_refused_by_every_writer(tmp_path):
    path = _scenario(tmp_path, ZERO_MARKET, '[[measures]]\nid = "m"\nkind = "add"\nrate = 0.25\nimporter = "USA"\n')
    result, _ = api.run(path)
    check_finite(result, None)                              # a finite result passes
    value = result.outcome.value_new.copy()
    value[2] = np.inf
    broken = dataclasses.replace(result, outcome=dataclasses.replace(result.outcome, value_new=value))
    with pytest.raises(InputError, match="infinite value"):
        check_finite(broken, None)


def test_a_path_holding_an_infinity_is_refused_naming_its_row(tmp_path):
    path = _scenario(tmp_path, ZERO_MARKET, '[[measures]]\nid = "m"\nkind = "add"\nrate = 0.25\nimporter = "USA"\n')
    result, _ = api.run(path)
    when = dt.date(2025, 6, 1)
    assert not path_frame([(when, result)]).empty             # a finite path passes
    value = result.outcome.value_new.copy()
    value[2] = np.inf                                         # USA <- KOR, a headline pair the path prints
    broken = dataclasses.replace(result, outcome=dataclasses.replace(result.outcome, value_new=value))
    with pytest.raises(InputError, match=r"pairs\[\d+\]\.value_new.*infinite value"):
        path_frame([(when, result), (when, broken)])


def test_validate_finds_what_the_instruments_need_of_the_data_without_solving_the_model(tmp_path, monkeypatch):
    quota = ('[[quotas]]\nid = "{}"\nkind = "trq"\nimporter = "KOR"\nexporters = ["USA"]\nproducts = ["0201"]\n'
             'in_rate = 0.05\nout_rate = 5.13\nlimit_value = 300\n')
    good = _scenario(tmp_path, ZERO_MARKET, quota.format("q1"))
    (tmp_path / "two.toml").write_text((tmp_path / "s.toml").read_text() + quota.format("q2"))

    def no_solve(*args, **kwargs):
        raise AssertionError("validate solved the model")
    monkeypatch.setattr("simulator.api.solve_instruments", no_solve)
    assert CliRunner().invoke(app, ["validate", good]).exit_code == 0
    out = CliRunner().invoke(app, ["validate", str(tmp_path / "two.toml")])
    assert out.exit_code == 1 and "also covers" in out.output


def test_the_api_names_its_parameters_and_the_command_line_its_options(tmp_path):
    import datetime as dt
    with pytest.raises(InputError) as raised:
        api.dates(dt.date(2025, 1, 1), dt.date(2025, 2, 1), "fortnightly")
    assert raised.value.problems[0].where == "step"
    path = _scenario(tmp_path, ZERO_MARKET, "")
    out = CliRunner().invoke(app, ["run", path, "--path", "2025-01-01:2025-02-01:fortnightly"])
    assert out.exit_code == 1 and "error: --path: unknown step 'fortnightly'" in out.output
    with pytest.raises(InputError) as raised:
        api.explain(path, "USA", "KOR", "87x")
    assert raised.value.problems[0].where == "hs_prefix"
    out = CliRunner().invoke(app, ["explain", path, "--importer", "USA", "--exporter", "KOR", "--hs", "87x"])
    assert out.exit_code == 1 and "error: --hs:" in out.output
