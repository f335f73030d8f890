"""
The W3C Nu HTML checker (vnu.jar) over every public page: no errors. Warnings
are printed (run with -s to see them). The pages come from Django's test
client; all of them go to one java process, because the checker is slow to start.
"""

import json
import subprocess
from urllib.parse import unquote, urlparse

import pytest

from .conftest import EXPECTED_STATUS, PUBLIC_PAGES

pytestmark = pytest.mark.browser


def file_name(name):
    return name.replace(" ", "-") + ".html"


def describe(pages_by_file, messages):
    """One line per page and message, with the lines it occurs on and one extract."""
    grouped = {}
    for message in messages:
        checked_file = unquote(urlparse(message.get("url", "")).path).rsplit("/", 1)[-1]
        name, path = pages_by_file.get(checked_file, ("?", checked_file))
        seen = grouped.setdefault((name, path, message["message"]), [[], ""])
        seen[0].append(str(message.get("lastLine", "?")))
        seen[1] = seen[1] or " ".join(message.get("extract", "").split())
    return [
        f"{name} {path}, line {', '.join(lines)}: {text}" + (f" — “{extract}”" if extract else "")
        for (name, path, text), (lines, extract) in grouped.items()
    ]


def test_public_pages_are_valid_html(imported_sources, client, vnu_command, tmp_path):
    pages_by_file = {}
    for name, path in PUBLIC_PAGES.items():
        response = client.get(path)
        assert response.status_code == EXPECTED_STATUS.get(name, 200), f"{name} {path}"
        assert response["Content-Type"].startswith("text/html"), f"{name} {path}"
        (tmp_path / file_name(name)).write_bytes(response.content)
        pages_by_file[file_name(name)] = (name, path)

    files = [str(tmp_path / name) for name in pages_by_file]
    result = subprocess.run(
        [*vnu_command, "--format", "json", "--stdout", *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    try:
        messages = json.loads(result.stdout)["messages"]
    except (json.JSONDecodeError, KeyError):
        pytest.fail(f"vnu.jar gave no JSON report (exit {result.returncode}):\n{result.stderr}")

    errors = describe(pages_by_file, [m for m in messages if m.get("type") != "info"])
    warnings = describe(pages_by_file, [m for m in messages if m.get("type") == "info"])
    if warnings:
        print("\nvnu warnings:\n  " + "\n  ".join(warnings))
    assert not errors, "The Nu HTML checker found errors:\n  " + "\n  ".join(errors)
