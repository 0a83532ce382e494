"""Every ```python block of README.md and docs/**/*.md runs as written.

Blocks of one page run in order in one namespace (cwd = the repository root),
one test per block, so a failure names the page, the block's line and the
exception. A block whose fence is immediately preceded by the line
``<!-- not-run: reason -->`` is skipped with that reason. Use ```bash / ```text
for anything that is not Python. Code is compiled with the page's own line
numbers, so tracebacks point into the Markdown file.
"""
from __future__ import annotations

import re
import traceback
from pathlib import Path
from typing import NamedTuple

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^(\s*)```\s*(\S*)")
NOT_RUN = re.compile(r"^\s*<!--\s*not-run:\s*(.*?)\s*-->\s*$")
PYTHON = {"python", "py", "python3"}


class Block(NamedTuple):
    page: str  # path relative to the repository root
    line: int  # 1-based line of the opening fence
    code: str
    skip: str | None  # the not-run reason, if any


def extract_blocks(path: Path) -> list[Block]:
    """The fenced code blocks of one Markdown file that are Python."""
    lines = path.read_text(encoding="utf-8").splitlines()
    rel = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, lang, start = len(m.group(1)), m.group(2).lower(), i
        i += 1
        body = []
        while i < len(lines) and not re.match(r"^\s*```\s*$", lines[i]):
            line = lines[i]
            body.append(line[indent:] if not indent or line[:indent].isspace() else line.lstrip())
            i += 1
        i += 1  # closing fence
        if lang.split("{")[0] in PYTHON:
            prev = NOT_RUN.match(lines[start - 1]) if start else None
            reason = (prev.group(1) or "no reason given") if prev else None
            out.append(Block(rel, start + 1, "\n".join(body) + "\n", reason))
    return out


def doc_pages() -> list[Path]:
    pages = [ROOT / "README.md"] + sorted((ROOT / "docs").rglob("*.md"))
    return [p for p in pages if p.is_file()]


# snippets must use the current vocabulary: the deprecated aliases fail here
pytestmark = pytest.mark.filterwarnings("error:topograph:DeprecationWarning")

BLOCKS = [b for page in doc_pages() for b in extract_blocks(page)]
_STATE: dict[str, dict] = {}  # page -> namespace, index of the next block, first failure


def _run(block: Block, state: dict) -> None:
    code = compile("\n" * block.line + block.code, str(ROOT / block.page), "exec")
    exec(code, state["ns"])  # noqa: S102 - running the docs is the point of this test


def _page_state(page: str) -> dict:
    if page not in _STATE:
        _STATE[page] = {"ns": {"__name__": "__docs__"}, "next": 0, "failed": None}
    return _STATE[page]


@pytest.fixture(autouse=True)
def _docs_env(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("TQDM_DISABLE", "1")


@pytest.mark.parametrize("block", BLOCKS, ids=[f"{b.page}:{b.line}" for b in BLOCKS])
def test_doc_block_runs(block: Block) -> None:
    if block.skip is not None:
        pytest.skip(f"{block.page}:{block.line} not-run: {block.skip}")
    page_blocks = [b for b in BLOCKS if b.page == block.page]
    state = _page_state(block.page)
    index = page_blocks.index(block)
    # run the page's earlier blocks first when they have not run (e.g. under -k)
    while state["next"] <= index:
        current = page_blocks[state["next"]]
        state["next"] += 1
        if current.skip is not None:
            continue
        if state["failed"] is not None:
            pytest.fail(f"{block.page}:{block.line} not run: block at line {state['failed']} "
                        "of the same page failed", pytrace=False)
        message = None
        try:
            _run(current, state)
        except Exception as err:  # noqa: BLE001 - report any failure of the snippet
            state["failed"] = current.line
            tb = "".join(traceback.format_exception(type(err), err, err.__traceback__, limit=-3))
            message = (f"{current.page}, block at line {current.line} raised "
                       f"{type(err).__name__}: {err}\n{tb}")
        finally:
            plt.close("all")
        if message is not None:
            pytest.fail(message, pytrace=False)


def test_extraction_rules(tmp_path):
    """The extractor finds python blocks, honours not-run markers and keeps line numbers."""
    page = tmp_path / "_extract_probe.md"
    text = ("# t\n\n```python\nx = 1\n```\n\n<!-- not-run: needs a GPU -->\n```python\n"
            "y = 2\n```\n\n```bash\nls\n```\n\n- item\n\n  ```python\n  z = x + 1\n  if z:\n      z = 3\n  ```\n")
    page.write_text(text)
    blocks = extract_blocks(page)
    assert [(b.line, b.skip) for b in blocks] == [(3, None), (8, "needs a GPU"), (18, None)]
    assert blocks[2].code == "z = x + 1\nif z:\n    z = 3\n"
    assert blocks[0].page == "_extract_probe.md"
