"""Every complete scenario shown in the documentation is valid and runs on the bundled data."""

import re
import shutil

import pytest

from simulator import api


def _examples(root):
    text = (root / "docs" / "SCENARIOS.md").read_text("utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", text, flags=re.S)
    return [b for b in blocks if re.match(r"\s*name\s*=", b)]


def test_there_is_an_example_per_instrument(root):
    joined = "\n".join(_examples(root))
    for kind in ("add", "set", "cap", "cut", "swiss", "floor", "specific", "ntm"):
        assert re.search(rf'kind = "{kind}"', joined) or kind == "add", kind
    for key in ("[[exemptions]]", "[[preferences]]", "[[quotas]]", "[[commitments]]", "mirror =", "excludes =",
                "max_group =", "share =", "extends =", "disable =", "[groups]", 'kind = "export-restraint"'):
        assert key in joined, key


def test_examples_run(root, tmp_path):
    shutil.copytree(root / "scenarios", tmp_path / "scenarios")
    (tmp_path / "docs").mkdir()
    examples = _examples(root)
    assert len(examples) >= 12
    for i, text in enumerate(examples):
        path = tmp_path / "docs" / f"example_{i}.toml"
        path.write_text(text, "utf-8")
        try:
            result, _ = api.run(path)
        except Exception as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"example {i} ({text.splitlines()[0]}) failed: {exc}")
        assert len(result.pairs) > 0


def test_models_worked_example_numbers(root):
    """The table in docs/MODELS.md is what the documented command prints."""
    from simulator.report import compare as render
    ex = root / "docs" / "examples" / "armington-vs-smart"
    cmp, _ = api.compare([ex / "armington.toml", ex / "smart.toml"])
    head = cmp.headline().set_index(["figure", "of"])
    got = {("trade", "KOR → USA"): (56.26, 5.77), ("trade", "JPN → USA"): (329.67, 369.23),
           ("imports", "USA"): (385.93, 375.00), ("revenue", "USA"): (14.07, 1.44)}
    for key, (arm, sm) in got.items():
        assert round(head.loc[key, "armington.toml"], 2) == arm, key
        assert round(head.loc[key, "smart.toml"], 2) == sm, key
    doc = (root / "docs" / "MODELS.md").read_text("utf-8")
    for number in ("56.26", "5.77", "329.67", "369.23", "385.93", "375.00", "14.07", "1.44", "-3.52", "-40.22"):
        assert number in doc, number
    r, _ = api.run(ex / "armington.toml")
    p = r.products.set_index("exporter")
    assert round(p.loc["KOR"].creation, 2) == -3.52 and round(p.loc["KOR"].diversion, 2) == -40.22
    assert render.to_markdown(cmp)


def test_gsim_reproduces_the_published_four_region_example(root):
    """docs/examples/gsim-4x4: world price changes as reported with the published inputs."""
    r, _ = api.run(root / "docs" / "examples" / "gsim-4x4" / "us-eu-fta.toml")
    x = r.prices.set_index("exporter").price_change
    assert [round(x[c], 4) for c in ("US", "JP", "EU", "RW")] == [0.0792, -0.0316, 0.0480, -0.0184]


def test_briefing_tables_are_current(root):
    """docs/us-korea-2025.md quotes tariffsim compare: the quoted tables must be what it prints now."""
    from simulator.report import compare as render
    text = (root / "docs" / "us-korea-2025.md").read_text("utf-8")
    s = root / "scenarios"
    for files in ([s / "baseline.toml", s / "reciprocal-25.toml", s / "floor-15.toml", s / "exemption.toml"],
                  [s / "pause-10.toml", s / "reciprocal-25.toml"],
                  [s / "deal-15-additive.toml", s / "retaliation.toml"]):
        cmp, _ = api.compare(files)
        md = render.to_markdown(cmp)
        head = md[md.index("| Figure"):md.index("### HS chapters")].strip()
        assert head in text, [f.name for f in files]


def test_briefing_bands_are_current(root):
    """The briefing's uncertainty bands are what `tariffsim compare ... --draws 200 --seed 1` prints now."""
    from simulator.report import compare as render
    from simulator.uncertainty import Draws
    text = (root / "docs" / "us-korea-2025.md").read_text("utf-8")
    s = root / "scenarios"
    cmp, _ = api.compare([s / "baseline.toml", s / "reciprocal-25.toml", s / "floor-15.toml", s / "exemption.toml"],
                         draws=Draws(200, 1))
    md = render.to_markdown(cmp)
    assert md[md.index("| Figure (5% – 95%)"):md.index("### Notes")].strip() in text


def test_briefing_sensitivity_table_is_current(root):
    """The briefing's table of each elasticity across the evidence is what docs/examples/sensitivity/table.py prints."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("sensitivity_table", root / "docs" / "examples" / "sensitivity" / "table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = (root / "docs" / "us-korea-2025.md").read_text("utf-8")
    assert module.table().strip() in text
