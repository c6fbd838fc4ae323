"""Small images made with Pillow, for the upload tests (and the security suites' world)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

SCRIPT = b"<script>alert(document.cookie)</script>"
HTML_PAGE = b"<html><body>" + SCRIPT + b"</body></html>"


def picture(fmt: str = "PNG", size=(40, 30), colour=(200, 30, 30), **save) -> bytes:
    mode = "RGBA" if fmt in ("PNG", "WEBP") and len(colour) == 4 else "RGB"
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, format=fmt, **save)
    return out.getvalue()


def png_with_text_chunk(text: bytes = HTML_PAGE) -> bytes:
    """A valid PNG with HTML in a tEXt chunk (before IEND), as a polyglot would carry it."""
    data = picture("PNG")
    chunk_type = b"tEXt"
    body = b"Comment\x00" + text
    chunk = struct.pack(">I", len(body)) + chunk_type + body
    chunk += struct.pack(">I", zlib.crc32(chunk_type + body) & 0xFFFFFFFF)
    end = data.rindex(b"IEND") - 4
    return data[:end] + chunk + data[end:]


def gif_with_html_appended() -> bytes:
    """A valid GIF with a whole HTML page after its trailer (a GIFAR-style polyglot)."""
    return picture("GIF") + HTML_PAGE


def jpeg_with_exif(orientation: int = 6) -> bytes:
    """A 40 × 20 JPEG whose EXIF says: rotate (6: 90° clockwise), with a camera and a place."""
    image = Image.new("RGB", (40, 20), (10, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "SpyCam Maker"  # Make
    exif[0x0131] = "SecretSoftware 1.0"  # Software
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def decompression_bomb(side: int = 30_000) -> bytes:
    """A PNG of a few hundred bytes whose header claims side × side pixels (900 megapixels by
    default), with rows of zeros that compress to almost nothing."""
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" * (1 + side // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(64)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )  # fmt: skip


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))
