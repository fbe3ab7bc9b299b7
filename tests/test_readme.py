"""The README's Python snippets run, so that they stay true."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
SNIPPETS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def test_readme_has_python_snippets():
    assert SNIPPETS


def test_readme_snippets_run():
    for snippet in SNIPPETS:
        exec(compile(snippet, str(README), "exec"), {})
