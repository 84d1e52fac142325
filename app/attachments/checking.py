"""What Awda accepts as an attachment, judged by the content, never by the file's name or the
browser's word: JPEG and PNG photos and scans, and PDF documents.

- The type is read from the content's signature (puremagic, a pure-Python reader of file
  signatures: no libmagic to install) and then confirmed by opening it: Pillow for images,
  pypdf for PDF. A renamed executable, an HTML page or a spreadsheet is refused by name.
- A photo is decoded in full (a truncated one is refused), turned upright from its EXIF
  orientation and encoded again, so that what is stored carries no camera metadata (GPS
  position, device, time): only the pixels. A photo over `max_megapixels` is refused before
  it is decoded (Pillow's decompression-bomb guard).
- A PDF is parsed; one that is encrypted, or holds JavaScript, launch actions, embedded files
  or rich media anywhere in its objects, is refused: such a file can act when opened.

`checked(content, max_bytes, max_megapixels)` returns a `Checked` or raises `Refused` whose
`message` (translatable) says what to do instead.
"""

from __future__ import annotations

import io
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import puremagic
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

ALLOWED = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
# PDF names that make a document act when opened, anywhere in it (PDF 32000-1:2008, 12.6).
ACTIVE_PDF_NAMES = frozenset(
    {"/JS", "/JavaScript", "/Launch", "/EmbeddedFiles", "/EmbeddedFile", "/RichMedia"}
)
MAX_PDF_OBJECTS = 50_000  # objects walked looking for them; more is refused as unreadable


class Refused(Exception):
    """The file cannot be attached; `message` says why and what to do."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Checked:
    """Content fit to store: `content` (re-encoded for photos), its `content_type` and the
    `extension` a download is named with."""

    content: bytes
    content_type: str
    extension: str


def checked(content: bytes, max_bytes: int, max_megapixels: int) -> Checked:
    """The content as Awda stores it. Raises Refused (see the module docstring)."""
    if not content:
        raise Refused(_l("The file is empty. Choose the file again, or take the photo again."))
    if len(content) > max_bytes:
        raise Refused(_l("The file is larger than %(size)s MB.", size=max_bytes // (1024 * 1024)))
    content_type = _sniffed(content)
    if content_type == "application/pdf":
        _check_pdf(content)
        return Checked(content, content_type, "pdf")
    image_content, content_type = _photo(content, max_megapixels)
    return Checked(image_content, content_type, ALLOWED[content_type])


def _sniffed(content: bytes) -> str:
    try:
        found = puremagic.from_string(content, mime=True)
    except (puremagic.PureError, ValueError):
        found = ""
    if found not in ALLOWED:
        raise Refused(
            _l(
                "Only JPEG or PNG photos and scans, and PDF documents, can be attached; this "
                "file is another kind. A phone that saves photos as HEIC can be set to save them"
                " as JPEG (on an iPhone: Settings, Camera, Formats, Most Compatible)."
            )
        )
    return found


def _photo(content: bytes, max_megapixels: int) -> tuple[bytes, str]:
    """The photo decoded in full, upright, encoded again without its metadata."""
    limit = max_megapixels * 1_000_000
    try:
        with warnings.catch_warnings(), _truncated_refused():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
            if image.width * image.height > limit:
                raise Refused(_too_many_pixels(image.width * image.height, max_megapixels))
            image.load()
    except Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Refused(_too_many_pixels(limit + 1, max_megapixels)) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise Refused(_DAMAGED_PHOTO) from None
    if image.format not in ("JPEG", "PNG"):
        raise Refused(_DAMAGED_PHOTO)
    return _encoded(ImageOps.exif_transpose(image), image.format)


@contextmanager
def _truncated_refused():
    """Pillow's switch for truncated images is global, and WeasyPrint turns it on when it is
    imported (to print what it can): a photo is decoded with it off, whatever printed before."""
    before = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before


def _encoded(image: Image.Image, format_name: str) -> tuple[bytes, str]:
    """The pixels alone, in a new image: Pillow carries a JPEG's comment, XMP and ICC data
    over when it saves the image it read, and any of them may hold a name or a place."""
    image = Image.frombytes(image.mode, image.size, image.tobytes())
    out = io.BytesIO()
    if format_name == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=90, optimize=True)
        return out.getvalue(), "image/jpeg"
    if image.mode not in ("1", "L", "LA", "RGB", "RGBA", "P"):
        image = image.convert("RGBA")
    image.save(out, "PNG", optimize=True)  # no text chunks, no EXIF: only what is given
    return out.getvalue(), "image/png"


def _too_many_pixels(pixels: int, max_megapixels: int):
    return _l(
        "The photo has %(found)s megapixels; at most %(limit)s are accepted. Take it again at "
        "a lower resolution, or scan the document at 300 dpi.",
        found=round(pixels / 1_000_000),
        limit=max_megapixels,
    )


_DAMAGED_PHOTO = _l("The photo is damaged or incomplete. Take it again, or choose another file.")
_DAMAGED_PDF = _l("The PDF is damaged or incomplete. Save or scan it again, then choose it.")


def _check_pdf(content: bytes) -> None:
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        # An owner password alone (printing or copying restricted) opens with no password.
        if reader.is_encrypted and not reader.decrypt(""):
            raise Refused(
                _l("The PDF is protected by a password. Save a copy without one, then choose it.")
            )
        active = _active_names(reader.trailer)
    except Refused:
        raise
    except (PdfReadError, OSError, ValueError, KeyError, TypeError, RecursionError):
        raise Refused(_DAMAGED_PDF) from None
    if active:
        raise Refused(
            _l(
                "The PDF holds JavaScript, embedded files or actions that run when it is opened."
                " Print it to a new PDF (or scan the paper), then choose that file."
            )
        )


def _active_names(root) -> bool:
    """Whether any object reachable from `root` uses a name of `ACTIVE_PDF_NAMES` as a key,
    or as the kind of an action (/S /JavaScript). Each object is visited once."""
    seen: set[tuple[int, int]] = set()
    waiting = [root]
    while waiting:
        item = waiting.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > MAX_PDF_OBJECTS:
                raise ValueError("too many objects")
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            if ACTIVE_PDF_NAMES.intersection(item.keys()) or item.get("/S") in ACTIVE_PDF_NAMES:
                return True
            waiting.extend(item.values())
        elif isinstance(item, ArrayObject):
            waiting.extend(item)
    return False
