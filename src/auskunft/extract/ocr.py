"""OCR of one PDF page without a text layer: render with pymupdf, read with Debian's tesseract.

Rendering at 200 dpi reads typical office scans best: a higher dpi upscales the scan's own pixels and
tesseract then misreads umlauts and ß more often (measured on the demo site's scan: 200 dpi all correct,
300 dpi "Marz", "Wurzburg", "groBer").
"""

from __future__ import annotations

import re

import pymupdf

from auskunft.errors import ExtractionError

DEFAULT_DPI = 200


def ocr_page(
    page: pymupdf.Page, *, languages: str = "deu+eng", dpi: int = DEFAULT_DPI, timeout_s: float = 120
) -> str:
    """Text of the page as markdown paragraphs (tesseract's blank-line blocks)."""
    import pytesseract
    from PIL import Image

    pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
    image = Image.frombytes("L", (pix.width, pix.height), pix.samples)
    try:
        text = pytesseract.image_to_string(image, lang=languages, config="--psm 3", timeout=timeout_s)
    except pytesseract.TesseractNotFoundError as exc:
        raise ExtractionError("OCR needs tesseract: apt-get install tesseract-ocr tesseract-ocr-deu") from exc
    except RuntimeError as exc:  # pytesseract raises RuntimeError on its timeout
        raise ExtractionError(f"OCR timed out after {timeout_s:.0f} s") from exc
    except pytesseract.TesseractError as exc:
        raise ExtractionError(f"tesseract failed ({languages}): {exc.message.strip()[:200]}") from exc
    blocks = [" ".join(line.strip() for line in block.splitlines()) for block in re.split(r"\n\s*\n", text)]
    return "\n\n".join(b for b in blocks if b.strip())
