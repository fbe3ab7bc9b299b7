"""The policy-simulation notebook runs from top to bottom."""

from pathlib import Path

import pytest

NOTEBOOK = (
    Path(__file__).resolve().parents[1] / "examples" / "notebooks" / "policy_simulation.ipynb"
)


def test_policy_simulation_notebook_runs():
    nbformat = pytest.importorskip("nbformat", reason="needs the test extra")
    nbclient = pytest.importorskip("nbclient", reason="needs the test extra")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 4
    # One plot in Vietnamese, another in English (issue 14): each language drawn at least once.
    sources = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert 'lang="vi")' in sources
    assert 'lang="en")' in sources
    assert "re-evaluation drive" in str(outputs[-1]["data"]["text/plain"])
