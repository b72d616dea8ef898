"""Customer links are signed with the second they were made, so two links to the same page made
a second apart differ. Tests compare where a link leads (its path and signed object), never the
signature itself."""

import re
from urllib.parse import urlsplit


def link_target(url: str) -> str:
    """/c/ro/<token>/ → /c/ro/<the token's signed object>"""
    prefix, token = urlsplit(url).path.rstrip("/").rsplit("/", 1)
    return f"{prefix}/{token.split(':', 1)[0]}"


def links_in(text: str) -> set[str]:
    """The targets of the links in a message (a URL ends at white space or a full-width
    bracket, as the messages write them)."""
    return {link_target(url) for url in re.findall(r"https?://[^\s（）]+", text)}
