"""PDF reports: the HTML report laid out for print by WeasyPrint, without a browser.

WeasyPrint is imported only when a PDF is asked for, so that the other formats start fast and
work on a machine without its system libraries (Pango, HarfBuzz, fontconfig). It fetches
nothing: the report is self-contained, and any URL a template might add is refused. The PDF
holds no date and an identifier derived from its HTML, so the same report gives the same bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
from typing import Any

from ssa_risk.base.choices import DEFAULT_PAPER as DEFAULT_PAPER
from ssa_risk.base.choices import PAPERS as PAPERS
from ssa_risk.base.errors import InputError, Problem

INSTALL = "apt-get install libpango-1.0-0 libpangoft2-1.0-0"


def _weasyprint() -> Any:
    """The weasyprint module, or one message naming what to install."""
    quiet = io.StringIO()
    try:
        # On a missing library WeasyPrint prints a banner to the standard output first.
        with contextlib.redirect_stdout(quiet):
            import weasyprint
    except OSError as exc:
        raise InputError(
            [
                Problem(
                    "ssa-risk",
                    None,
                    None,
                    "PDF output needs the system libraries WeasyPrint lays text out with (Pango, "
                    f"HarfBuzz, fontconfig), and they could not be loaded ({exc})",
                    f"install them, e.g. {INSTALL}, or choose another --format",
                )
            ]
        ) from None
    except ImportError as exc:
        raise InputError(
            [
                Problem(
                    "ssa-risk",
                    None,
                    None,
                    f"PDF output needs the Python package weasyprint, which is missing ({exc})",
                    "reinstall ssa-risk (pip install ssa-risk), or choose another --format",
                )
            ]
        ) from None
    return weasyprint


def _refusing_fetcher(weasyprint: Any) -> Any:
    """A URL fetcher that fetches nothing: a report must not reach the network or the disk."""

    class Refuse(weasyprint.urls.URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"SSA Risk fetches no resources for a report ({url})")

    return Refuse()


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML report (its page size and margins in its own CSS)."""
    weasyprint = _weasyprint()
    # WeasyPrint logs a warning for each CSS property it does not know (the screen CSS uses a
    # few); they are not the user's to fix, and the engine never prints.
    logger = logging.getLogger("weasyprint")
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.CRITICAL)
    logger.propagate = False
    try:
        document = weasyprint.HTML(
            string=html, base_url="about:blank", url_fetcher=_refusing_fetcher(weasyprint)
        )
        identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")
        pdf: bytes = document.write_pdf(pdf_identifier=identifier)
    finally:
        logger.setLevel(level)
        logger.propagate = propagate
    return pdf
