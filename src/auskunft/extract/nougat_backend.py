"""Optional PDF backend: nougat-ocr (Meta's academic-document OCR model), selected per source.

Install the `nougat` extra and point NOUGAT_MODEL_PATH at a folder with the model weights (config.json +
weights as saved by `NougatModel.save_pretrained`); nothing is downloaded at run time.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

from auskunft.errors import ConfigError, ExtractionError, ModelNotAvailableError
from auskunft.extract.nougat_compat import import_nougat
from auskunft.models import PageText

log = logging.getLogger(__name__)

NAME = "pdf-nougat"
VERSION = "1"


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """transformers logs expected notes on load (tied lm_head re-initialised, generation params)."""
    tlog = logging.getLogger("transformers")
    level = tlog.level
    tlog.setLevel(logging.ERROR)
    try:
        yield
    finally:
        tlog.setLevel(level)


class NougatBackend:
    def __init__(self, model_path: Path | None, *, dpi: int = 96, batch_size: int = 2) -> None:
        self.model_path = Path(model_path) if model_path else None
        self.dpi = dpi
        self.batch_size = batch_size
        self._model = None

    def start(self) -> None:
        """Load the model once (safe to call twice)."""
        if self._model is not None:
            return
        if self.model_path is None:
            raise ModelNotAvailableError(
                "pdf_extractor 'nougat' needs NOUGAT_MODEL_PATH (a folder with the nougat weights)"
            )
        if not (self.model_path / "config.json").exists():
            raise ModelNotAvailableError(
                f"no nougat model at {self.model_path} (expected config.json + weights); set NOUGAT_MODEL_PATH"
            )
        try:
            nougat = import_nougat()
        except ImportError as exc:
            raise ConfigError("nougat backend needs the extra: pip install 'auskunft[nougat]'") from exc
        except Exception as exc:  # e.g. a torchvision build that does not match torch fails at import
            raise ConfigError(
                f"nougat-ocr is installed but cannot be imported: {type(exc).__name__}: {exc}"
            ) from exc
        try:
            with warnings.catch_warnings(), _quiet_transformers():
                warnings.simplefilter("ignore")
                model = nougat.NougatModel.from_pretrained(str(self.model_path))
        except Exception as exc:
            raise ModelNotAvailableError(
                f"cannot load the nougat model from {self.model_path} ({type(exc).__name__}: {exc}); "
                "set NOUGAT_MODEL_PATH to a folder saved by NougatModel.save_pretrained (with tokenizer.json)"
            ) from exc
        self._model = model.eval()

    def pages(self, body: bytes, *, max_pages: int = 500) -> list[PageText]:
        import torch
        from PIL import Image

        from auskunft.extract.pdf import open_pdf

        self.start()
        model = self._model
        assert model is not None
        doc = open_pdf(body)
        try:
            if doc.page_count > max_pages:
                raise ExtractionError(f"PDF has {doc.page_count} pages (limit {max_pages})")
            images = []
            for page in doc:
                pix = page.get_pixmap(dpi=self.dpi)
                images.append(Image.frombytes("RGB", (pix.width, pix.height), pix.samples))
        finally:
            doc.close()
        out: list[PageText] = []
        for start in range(0, len(images), self.batch_size):
            batch = images[start : start + self.batch_size]
            tensors = torch.stack([model.encoder.prepare_input(img, random_padding=False) for img in batch])
            try:
                with torch.inference_mode(), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    result = model.inference(image_tensors=tensors)
            except Exception as exc:
                raise ExtractionError(
                    f"nougat inference failed on pages {start + 1}-{start + len(batch)}: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            for i, text in enumerate(result["predictions"]):
                out.append(PageText(number=start + i + 1, markdown=(text or "").strip(), ocr=True))
        return out
