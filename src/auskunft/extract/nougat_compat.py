"""Import nougat-ocr 0.1.17 on today's CPU-only stack.

Two work-arounds, both local to this process and only applied when needed:
- PyPI's torchvision wheels for Linux are CUDA builds; next to the CPU torch wheel their compiled ops
  cannot load, and torchvision (0.28) then fails at import registering fake kernels for `torchvision::nms`
  and `torchvision::qnms` (its other ops are guarded). nougat and timm use only torchvision's pure-Python
  transforms, so declaring those two op schemas lets the import succeed; the ops stay unusable.
- nougat's post-processing looks up nltk's English word list and calls `nltk.download` when it is
  missing (a network request at run time). It only decides whether to add a trailing space, so the
  lookup gets an empty word list instead.
"""

from __future__ import annotations

import sys
import warnings
from types import ModuleType, SimpleNamespace
from typing import Any

_torchvision_lib: Any = None  # keeps the op definitions alive


def _import_torchvision() -> None:
    global _torchvision_lib
    try:
        import torchvision  # noqa: F401

        return
    except RuntimeError as exc:
        if "torchvision::nms" not in str(exc):
            raise
    import torch

    for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
        del sys.modules[name]
    if _torchvision_lib is None:
        lib = torch.library.Library("torchvision", "DEF")
        lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        lib.define("qnms(Tensor qdets, Tensor qscores, float iou_threshold) -> Tensor")
        _torchvision_lib = lib
    import torchvision  # noqa: F401


def import_nougat() -> ModuleType:
    """The `nougat` package, importable offline. Raises ImportError when the extra is not installed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecation noise from timm/albumentations/torch
        _import_torchvision()
        import nougat
        import nougat.postprocessing as post
    post.words = SimpleNamespace(words=lambda: ())  # type: ignore[attr-defined]
    return nougat
