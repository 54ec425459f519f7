"""Small Word (.docx) form templates (mẫu đơn, tờ khai) written directly as Office Open XML.

A .docx is a zip of a few XML parts; a blank form needs only the document, its relationships and the
content types. Used for the demo catalogue's downloadable templates.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/>'
    "</Relationships>"
)
DOCUMENT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>'
)
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FONT = '<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman"/>'


def _paragraph(
    text: str, *, bold: bool = False, center: bool = False, size: int = 26, italic: bool = False
) -> str:
    props = "".join(
        [
            FONT,
            "<w:b/>" if bold else "",
            "<w:i/>" if italic else "",
            f'<w:sz w:val="{size}"/>',
        ]
    )
    align = '<w:pPr><w:jc w:val="center"/></w:pPr>' if center else ""
    return (
        f'<w:p>{align}<w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'
    )


def docx_form(
    *, title: str, subtitle: str = "", recipient: str = "", lines: list[str], closing: str = ""
) -> bytes:
    """A one-page form: national motto, title, addressee, one dotted line per field, signature block."""
    body = [
        _paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, center=True),
        _paragraph("Độc lập - Tự do - Hạnh phúc", bold=True, center=True),
        _paragraph("―――――――――――", center=True),
        _paragraph(title.upper(), bold=True, center=True, size=28),
    ]
    if subtitle:
        body.append(_paragraph(subtitle, italic=True, center=True))
    if recipient:
        body.append(_paragraph(f"Kính gửi: {recipient}", center=True))
    body += [_paragraph(f"{label}: " + "." * max(20, 90 - len(label))) for label in lines]
    if closing:
        body.append(_paragraph(closing, italic=True))
    body += [
        _paragraph("……………, ngày …… tháng …… năm ……", italic=True, center=False),
        _paragraph("NGƯỜI LÀM ĐƠN", bold=True),
        _paragraph("(Ký, ghi rõ họ tên)", italic=True),
    ]
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W}"><w:body>'
        + "".join(body)
        + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
        '<w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1701" w:header="720" w:footer="720" w:gutter="0"/>'
        "</w:sectPr></w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("word/_rels/document.xml.rels", DOCUMENT_RELS)
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()
