"""Check an uploaded image and re-encode it, so nothing but pixels survives.

The type is read from the bytes by Pillow (never from the file's name or the browser's content
type); only PNG, JPEG, GIF (its first frame) and WebP are accepted; the size in bytes and the
number of pixels are bounded before anything is decoded (a small file may claim a huge picture:
a decompression bomb). The picture is turned upright by its EXIF orientation, then drawn into a
new image and encoded afresh: metadata, comments, extra chunks, appended bytes and animation
frames are all left behind. Photos stay JPEG and WebP stays WebP (lossy, re-compressed);
PNG and GIF become PNG (lossless: screenshots keep their sharp text).
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps

from portal.errors import ImageRefused

# Pillow's format names of the pictures we accept.
ACCEPTED_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
MAX_BYTES = 5 * 1024 * 1024
# 40 megapixels: a phone's photo is 12-50, a screenshot of a 5K screen 15.
MAX_PIXELS = 40_000_000
# The largest side of a re-encoded image and of its thumbnail.
MAX_SIDE = 8192
THUMBNAIL_SIDE = 320
JPEG_QUALITY = 85

OUTPUT_FORMAT = {"PNG": "PNG", "GIF": "PNG", "JPEG": "JPEG", "WEBP": "WEBP"}
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


@dataclass(frozen=True)
class CleanImage:
    """An image re-encoded from an upload: the bytes to store and serve, and its thumbnail."""

    data: bytes
    content_type: str
    width: int
    height: int
    thumbnail: bytes
    thumbnail_content_type: str
    filename: str  # the uploaded name, made safe to show and to put in a header

    @property
    def size(self) -> int:
        return len(self.data)


def read_limited(stream, max_bytes: int = MAX_BYTES) -> bytes:
    """At most `max_bytes` from a file-like object; refused if there is more."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageRefused(_too_large(max_bytes))
    return data


def _too_large(max_bytes: int):
    return _l("Each image may be at most %(mb)d MB.", mb=max_bytes // (1024 * 1024))


def clean_image(data: bytes, filename: str = "", *, max_bytes: int = MAX_BYTES,
                max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE,
                thumbnail_side: int = THUMBNAIL_SIDE) -> CleanImage:  # fmt: skip
    """The re-encoded image, or ImageRefused with a message a person understands."""
    if not data:
        raise ImageRefused(_l("The file is empty."))
    if len(data) > max_bytes:
        raise ImageRefused(_too_large(max_bytes))
    picture = _open(data, max_pixels)
    output = OUTPUT_FORMAT[picture.format]
    picture = _decoded(picture, keep_alpha=output != "JPEG")
    picture.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    content_type, encoded = _encode(picture, output)
    thumb = picture.copy()
    thumb.thumbnail((thumbnail_side, thumbnail_side), Image.Resampling.LANCZOS)
    thumb_type, thumb_bytes = _encode(thumb, output)
    return CleanImage(
        data=encoded,
        content_type=content_type,
        width=picture.width,
        height=picture.height,
        thumbnail=thumb_bytes,
        thumbnail_content_type=thumb_type,
        filename=safe_filename(filename, EXTENSIONS[content_type]),
    )


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Read the header only: the format and the size it claims, both checked before decoding."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ImageRefused(_too_many_pixels(max_pixels)) from None
    except Exception:  # not an image, or a header Pillow chokes on: not one we accept
        raise ImageRefused() from None
    width, height = picture.size
    if width < 1 or height < 1:
        raise ImageRefused()
    if width * height > max_pixels:
        raise ImageRefused(_too_many_pixels(max_pixels))
    return picture


def _too_many_pixels(max_pixels: int):
    return _l("The image is too large: at most %(mp)d megapixels.", mp=max_pixels // 1_000_000)


def _decoded(picture: Image.Image, *, keep_alpha: bool) -> Image.Image:
    """The first frame, decoded, upright, in RGB or RGBA (a fresh image: no metadata)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture.seek(0)
            picture.load()
            upright = ImageOps.exif_transpose(picture)
            has_alpha = (
                keep_alpha
                and upright.mode in ("RGBA", "LA", "PA")
                or (upright.mode == "P" and "transparency" in upright.info)
            )
            converted = upright.convert("RGBA" if has_alpha else "RGB")
    except ImageRefused:
        raise
    except Exception:  # truncated or corrupt data, a bomb in a later chunk
        raise ImageRefused(_l("The image could not be read: it may be damaged.")) from None
    # Drawn into a new image: nothing of the upload's info (EXIF, ICC, comments, chunks) comes.
    clean = Image.new(converted.mode, converted.size)
    clean.paste(converted)
    return clean


def _encode(picture: Image.Image, output: str) -> tuple[str, bytes]:
    out = io.BytesIO()
    if output == "PNG":
        picture.save(out, format="PNG", optimize=True)
    elif output == "WEBP":
        picture.save(out, format="WEBP", quality=JPEG_QUALITY)
    else:
        picture.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return CONTENT_TYPES[output], out.getvalue()


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str, extension: str) -> str:
    """A name to offer when the image is saved: the ASCII letters, digits, dots and dashes of
    the uploaded name's stem (anything else becomes a dash), with the extension of what is
    actually served."""
    stem = (name or "").replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    stem = _UNSAFE.sub("-", stem).strip(" .-")[:60] or "image"
    return f"{stem}.{extension}"
