"""The README stays true: its sample sessions print what it shows, and its links lead somewhere.

A sample session is a ```console block: each `$ citebot ...` line is run, in order, against the
bundled corpus with one fresh data folder, and the lines under it (up to the next `$`) must be
what it prints. Placeholders in angle brackets stand for what changes from run to run
(`<answer id>`, `<time>`, `<login>`). The first `<answer id>` shown is captured and a later one,
in output or in a command, means the same answer; every `<time>` and `<login>` stands alone.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

import pytest

from tests.cli_support import ROOT, run_cli

README = ROOT / "README.md"

PLACEHOLDERS = {
    "answer id": r"[0-9a-f]{10}",
    "time": r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC",
    "login": r"\S+",
}
SAME_EVERYWHERE = {"answer id"}
PLACEHOLDER = re.compile(r"<(" + "|".join(PLACEHOLDERS) + r")>")
CONSOLE_BLOCK = re.compile(r"^```console\n(.*?)^```", re.S | re.M)
LINK = re.compile(r"\]\(([^)\s]+)\)|<img [^>]*src=\"([^\"]+)\"")


@dataclass
class Sample:
    command: str
    expected: list[str]


def console_samples(markdown: str) -> list[Sample]:
    """Every `$ command` of every console block, with the output lines shown under it."""
    samples: list[Sample] = []
    for block in CONSOLE_BLOCK.findall(markdown):
        for line in block.splitlines():
            if line.startswith("$ "):
                samples.append(Sample(line[2:], []))
            elif samples:
                samples[-1].expected.append(line)
    return samples


def output_pattern(expected: list[str], bound: dict[str, str]) -> re.Pattern[str]:
    """A regex for the shown output: literal text, placeholders bound or captured once."""
    parts: list[str] = []
    captured: set[str] = set()
    text = "\n".join(line.rstrip() for line in expected).strip("\n")
    position = 0
    for match in PLACEHOLDER.finditer(text):
        parts.append(re.escape(text[position : match.start()]))
        name = match.group(1)
        group = name.replace(" ", "_")
        if name not in SAME_EVERYWHERE:
            parts.append(f"(?:{PLACEHOLDERS[name]})")
        elif name in bound:
            parts.append(re.escape(bound[name]))
        elif name in captured:
            parts.append(f"(?P={group})")
        else:
            captured.add(name)
            parts.append(f"(?P<{group}>{PLACEHOLDERS[name]})")
        position = match.end()
    parts.append(re.escape(text[position:]))
    return re.compile("".join(parts))


def substitute(command: str, bound: dict[str, str]) -> list[str]:
    """The command's arguments, with bound placeholders replaced by their values."""

    def value(match: re.Match[str]) -> str:
        if match.group(1) not in bound:
            raise AssertionError(f"{command!r} uses <{match.group(1)}> before any output shows it")
        return bound[match.group(1)]

    return shlex.split(PLACEHOLDER.sub(value, command))


def test_readme_has_sample_sessions():
    commands = [s.command.split()[1] for s in console_samples(README.read_text(encoding="utf-8"))]
    assert {"ask", "sources", "timeline", "report", "reports"} <= set(commands)


def test_readme_samples_print_what_they_show(tmp_path):
    data = tmp_path / "data"
    bound: dict[str, str] = {}
    for sample in console_samples(README.read_text(encoding="utf-8")):
        args = substitute(sample.command, bound)
        assert args[0] == "citebot", f"a README sample runs something else: {sample.command}"
        # as a user runs it: the reader on, the default
        result = run_cli(data, *args[1:], env={"COLUMNS": "100", "CITEBOT_READER": "on"})
        assert result.returncode == 0, f"{sample.command}\n{result.stderr}"
        printed = "\n".join(line.rstrip() for line in result.stdout.splitlines()).strip("\n")
        match = output_pattern(sample.expected, bound).fullmatch(printed)
        assert match, (
            f"README shows for `{sample.command}`:\n"
            + "\n".join(sample.expected)
            + (f"\nbut it printed:\n{printed}")
        )
        for group, value in match.groupdict().items():
            bound[group.replace("_", " ")] = value


def anchors(markdown: str) -> set[str]:
    """GitHub's anchors for the headings of a Markdown file."""
    found = set()
    for heading in re.findall(
        r"^#+ (.+)$", re.sub(r"^```.*?^```", "", markdown, flags=re.S | re.M), re.M
    ):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def relative_links(markdown: str) -> list[str]:
    links = [a or b for a, b in LINK.findall(markdown)]
    return [link for link in links if not re.match(r"[a-z]+:", link)]


@pytest.mark.parametrize(
    "page", [README, *sorted((ROOT / "docs").glob("*.md"))], ids=lambda p: p.name
)
def test_relative_links_lead_to_files_and_headings(page):
    broken = []
    for link in relative_links(page.read_text(encoding="utf-8")):
        path, _, fragment = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        if not target.exists() or (
            fragment
            and target.suffix == ".md"
            and fragment not in anchors(target.read_text(encoding="utf-8"))
        ):
            broken.append(link)
    assert not broken, f"{page.name} links to missing files or headings: {broken}"
