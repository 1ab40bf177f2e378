#!/usr/bin/python3
# Makes the upload_fuzzer seeds in seeds/uploads/ (run from tests/fuzz/seeds
# with Debian's /usr/bin/python3: it needs PIL; qpdf for the last two):
# hand-written PDFs small enough for the fuzzer to mutate usefully, tiny PNGs
# and JPEGs. The files are committed; this says how they were made.
#   cd tests/fuzz/seeds && /usr/bin/python3 make_upload_seeds.py
#   qpdf --object-streams=generate uploads/flate.pdf uploads/objstm.pdf
#   qpdf --encrypt '' owner 256 -- uploads/minimal.pdf uploads/encrypted.pdf
import io, os, zlib
from PIL import Image

os.makedirs("uploads", exist_ok=True)
os.chdir("uploads")

def pdf(objects):
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for o in offsets:
        out.write(b"%010d 00000 n \n" % o)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()

content = b"BT /F1 12 Tf 72 720 Td (hello) Tj ET"
flate = zlib.compress(content)
base = [b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
open("minimal.pdf", "wb").write(pdf(base))
flated = list(base)
flated[3] = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(flate) + flate + b"\nendstream"
open("flate.pdf", "wb").write(pdf(flated))
two = [b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(a.txt) 6 0 R] >> >> >>",
       b"<< /Type /Pages /Kids [3 0 R 7 0 R] /Count 2 >>", base[2], base[3], base[4],
       b"<< /Type /Filespec /F (a.txt) /EF << /F 8 0 R >> >>",
       b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
       b"<< /Type /EmbeddedFile /Length 5 >>\nstream\nhello\nendstream"]
open("two-pages-attachment.pdf", "wb").write(pdf(two))
Image.new("RGB", (2, 2), (255, 0, 0)).save("tiny.png")
Image.new("P", (3, 1)).save("palette.png")
Image.new("RGB", (8, 8), (0, 0, 255)).save("tiny.jpg", quality=10)
Image.new("L", (8, 8), 128).save("progressive.jpg", quality=10, progressive=True)
