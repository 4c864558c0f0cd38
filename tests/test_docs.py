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
