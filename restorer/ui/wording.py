"""Messages as the page shows them: in the UI's words, naming files as the user uploaded
them. The CLI keeps its own wording; these translate what shared code raises."""
from __future__ import annotations

import re
from pathlib import Path

from .controls import Control

_LIMIT_ADVICE = re.compile(r";? *use --max-pixels to raise the limit( if you trust this file)?")


def page_message(error: Exception, source: Path | str) -> str:
    """A read or write error as the page shows it: the file named as the user uploaded it,
    never by the server's temporary path, and no command-line advice."""
    source = Path(source)
    text = str(error)
    for form in sorted({str(source), str(source.resolve())}, key=len, reverse=True):
        text = text.replace(form, source.name)
    if not text.startswith(source.name):
        text = f"{source.name}: {text}"
    return _LIMIT_ADVICE.sub(" (the limit this app was started with)", text)


_FLAG = re.compile(r"--([a-z][a-z0-9-]*)(?: [A-Z_]+)?")


def ui_wording(message: str, controls: list[Control]) -> str:
    """An options error written for the CLI ("--mask FILE_OR_DIR, or --auto") in the UI's words."""
    by_name = {c.name: c for c in controls}

    def word(m: re.Match) -> str:
        c = by_name.get(m.group(1).replace("-", "_"))
        if c is None:
            return m.group(0)
        if c.kind == "mask":
            return f"a {c.label} painted with the brush"
        return f"the '{c.label}' checkbox" if c.kind == "checkbox" else f"the '{c.label}' setting"

    return _FLAG.sub(word, message)


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]<>#|])")


def markdown_text(text: str) -> str:
    """Plain text shown through a Markdown renderer as it is written: `<name>_mask.png`
    stays (an HTML tag would vanish) and a*z(A) + (1-a)*z(B) is not italics."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def error_text(message: str) -> str:
    """A user error as the status area shows it (Markdown)."""
    return f"**Could not run:** {markdown_text(message)}"


def info_text(text: str) -> str:
    """Help under a control: Gradio renders it as inline Markdown where a backslash does not
    escape, so a*z(A) + (1-a)*z(B) would lose its stars to italics: use the asterisk operator."""
    return text.replace("*", "\u2217")
