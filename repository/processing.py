"""File work for digitisation: scans to PDF, thumbnails, text extraction. Pure functions on bytes.

OCR uses Debian's `tesseract-ocr` with the Vietnamese pack (`tesseract-ocr-vie`) when the binary is on the
PATH; without it text extraction falls back to the PDF's own text layer and says so.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from .constants import TextExtraction

IMAGE_MIME_TYPES = ("image/jpeg", "image/png")
SCAN_ALLOWED = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
THUMBNAIL_WIDTH = 320
# Scans are laid out at this resolution when they carry none, so that an A4 page at 300 dpi is A4 in the PDF.
DEFAULT_DPI = 300
OCR_DPI = 200


class ScanUnreadable(ValueError):
    """A scan that cannot be decoded: retrying will not help."""


@dataclass(frozen=True)
class ExtractedText:
    text: str
    method: str


@contextmanager
def _strict_images() -> Iterator[None]:
    """Refuse truncated images while reading scans.

    WeasyPrint switches Pillow's process-wide LOAD_TRUNCATED_IMAGES on; a scan cut short must be reported
    to the officer, not silently padded with grey.
    """
    from PIL import ImageFile

    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


def images_and_pdfs_to_pdf(parts: Sequence[tuple[bytes, str]]) -> bytes:
    """One PDF from ordered scans: every image becomes a page, every PDF contributes all its pages."""
    from PIL import Image, UnidentifiedImageError
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PdfReadError

    writer = PdfWriter()
    for index, (data, mime) in enumerate(parts, start=1):
        if mime in IMAGE_MIME_TYPES:
            try:
                with _strict_images(), Image.open(io.BytesIO(data)) as image:
                    frames = []
                    for frame_index in range(getattr(image, "n_frames", 1)):
                        image.seek(frame_index)
                        frames.append(_printable(image))
                    dpi = image.info.get("dpi", (DEFAULT_DPI, DEFAULT_DPI))
            except (UnidentifiedImageError, OSError, SyntaxError) as exc:
                raise ScanUnreadable(f"Tệp thứ {index} không phải ảnh đọc được.") from exc
            buffer = io.BytesIO()
            resolution = float(dpi[0]) if dpi and dpi[0] and float(dpi[0]) > 30 else DEFAULT_DPI
            frames[0].save(
                buffer, format="PDF", save_all=True, append_images=frames[1:], resolution=resolution
            )
            data = buffer.getvalue()
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                raise ScanUnreadable(f"Tệp thứ {index} là PDF có mật khẩu; hãy gửi bản không khóa.")
            for page in reader.pages:
                writer.add_page(page)
        except (PdfReadError, ValueError, KeyError) as exc:
            raise ScanUnreadable(f"Tệp thứ {index} không phải PDF đọc được.") from exc
    if not writer.pages:
        raise ScanUnreadable("Không có trang nào để số hóa.")
    writer.add_metadata({"/Producer": "Kho dữ liệu — Hệ thống giải quyết TTHC tỉnh"})
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _printable(image):
    """RGB or grayscale; PDF has no alpha channel and no palette modes."""
    if image.mode in ("RGBA", "LA", "P"):
        background = image.convert("RGBA")
        flattened = _white(background.size)
        flattened.paste(background, mask=background.getchannel("A"))
        return flattened
    if image.mode not in ("RGB", "L", "1"):
        return image.convert("RGB")
    return image.copy()


def _white(size):
    from PIL import Image

    return Image.new("RGB", size, "white")


def pdf_page_count(data: bytes) -> int:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        return len(document)
    finally:
        document.close()


def thumbnail_png(data: bytes, mime: str) -> bytes | None:
    """A PNG of the first page (PDF) or the image itself, THUMBNAIL_WIDTH pixels wide. None when impossible."""
    from PIL import Image

    try:
        if mime == "application/pdf":
            import pypdfium2 as pdfium

            document = pdfium.PdfDocument(data)
            try:
                document.init_forms()  # so that the signature stamp (an annotation) is drawn too
                page = document[0]
                width_pt = page.get_width()
                bitmap = page.render(scale=THUMBNAIL_WIDTH / width_pt if width_pt else 0.5)
                image = bitmap.to_pil()
            finally:
                document.close()
        elif mime in IMAGE_MIME_TYPES:
            image = Image.open(io.BytesIO(data))
            image.load()
        else:
            return None
    except Exception:  # noqa: BLE001 — a preview is a convenience; a file it cannot draw still stores
        return None
    image = _printable(image)
    if image.width > THUMBNAIL_WIDTH:
        height = max(1, round(image.height * THUMBNAIL_WIDTH / image.width))
        image = image.resize((THUMBNAIL_WIDTH, height))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def ocr_available() -> bool:
    return shutil.which("tesseract") is not None


def _ocr_languages() -> str:
    import pytesseract

    installed = set(pytesseract.get_languages(config=""))
    wanted = [lang for lang in ("vie", "eng") if lang in installed]
    return "+".join(wanted) or "eng"


def extract_text(pdf: bytes, *, on_page: Callable[[int, int], None] | None = None) -> ExtractedText:
    """The PDF's own text layer when it has one; otherwise OCR of each page, if tesseract is installed."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        pages = len(document)
        layer = []
        for index in range(pages):
            textpage = document[index].get_textpage()
            layer.append(textpage.get_text_range())
        text = "\n".join(layer).strip()
        if text:
            return ExtractedText(text=text, method=TextExtraction.PDF_TEXT)
        if not ocr_available():
            return ExtractedText(text="", method=TextExtraction.OCR_UNAVAILABLE)
        import pytesseract

        languages = _ocr_languages()
        recognised = []
        for index in range(pages):
            image = document[index].render(scale=OCR_DPI / 72).to_pil()
            recognised.append(pytesseract.image_to_string(image, lang=languages))
            if on_page:
                on_page(index + 1, pages)
        return ExtractedText(text="\n".join(recognised).strip(), method=TextExtraction.OCR)
    finally:
        document.close()
