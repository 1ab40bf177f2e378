#!/usr/bin/python3
# Writes hand-made hostile PDFs into the folder given as argument, one per
# trick PoDoFo must survive behind inspect_upload. attach_test.cpp checks that
# each is refused with a DocumentError (or, for the ones marked ok_, accepted)
# and that the process is still alive afterwards.
import io, os, sys, zlib

out_dir = sys.argv[1]
os.makedirs(out_dir, exist_ok=True)

def pdf(objects, trailer_extra=b"", size=None):
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for o in offsets:
        out.write(b"%010d 00000 n \n" % o)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n"
              % (size if size is not None else len(objects) + 1, trailer_extra, xref))
    return out.getvalue()

def save(name, data):
    open(os.path.join(out_dir, name), "wb").write(data)

catalog = b"<< /Type /Catalog /Pages 2 0 R >>"
page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"

# A sound one-page file, the control.
save("ok_plain.pdf", pdf([catalog, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page]))

# Arrays nested 100,000 deep inside the catalog.
save("deep_arrays.pdf", pdf([b"<< /Type /Catalog /Pages 2 0 R /X " + b"[" * 100000 + b"]" * 100000 + b" >>",
                             b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page]))
# Dictionaries nested 50,000 deep.
save("deep_dicts.pdf", pdf([b"<< /Type /Catalog /Pages 2 0 R /X " + b"<< /A " * 50000 + b"1" + b" >>" * 50000 + b" >>",
                            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page]))

# A page tree whose /Kids points back at itself.
save("pages_cycle.pdf", pdf([catalog, b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"]))
# Two page-tree nodes that are each other's kid.
save("pages_cycle2.pdf", pdf([catalog, b"<< /Type /Pages /Kids [3 0 R] /Count 2 >>",
                              b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 2 >>"]))
# A page tree 3,000 levels deep with one page at the bottom.
depth = 3000
objs = [catalog]
for level in range(depth):
    n = 2 + level
    objs.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (n + 1))
objs.append(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 200 200] >>" % (depth + 1))
save("pages_deep.pdf", pdf(objs))
# /Count says a billion pages; there is one.
save("pages_count_lies.pdf", pdf([catalog, b"<< /Type /Pages /Kids [3 0 R] /Count 1000000000 >>", page]))
# /Count says 3; the tree has 1.
save("pages_count_short.pdf", pdf([catalog, b"<< /Type /Pages /Kids [3 0 R] /Count 3 >>", page]))
# Negative count.
save("pages_count_negative.pdf", pdf([catalog, b"<< /Type /Pages /Kids [3 0 R] /Count -5 >>", page]))
# The trailer claims 2 billion objects.
save("xref_size_huge.pdf", pdf([catalog, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page], size=2000000000))
# A Flate bomb: 40 MB of zeros in a 40 KB stream (the test sets a 16 MB budget).
bomb = zlib.compress(b"\0" * (40 * 1024 * 1024), 9)
save("flate_bomb.pdf", pdf([catalog, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
                            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(bomb) + bomb + b"\nendstream"]))
# A reference to an object that is not there.
save("dangling_reference.pdf", pdf([b"<< /Type /Catalog /Pages 2 0 R /Outlines 9 0 R >>",
                                    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page]))
# /Prev pointing at its own cross-reference section (a loop of updates):
# PoDoFo notices the loop and stops; accepted.
body = pdf([catalog, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page])
xref_at = int(body.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
save("ok_xref_prev_loop.pdf", body.replace(b"/Root 1 0 R ", b"/Root 1 0 R /Prev %d " % xref_at))
# An /Encrypt key written with a #-escape (PoDoFo decodes it).
save("encrypt_escaped.pdf", pdf([catalog, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page, b"<< /Filter /Standard >>"],
                                trailer_extra=b"/Encr#79pt 4 0 R "))
# A stream whose /Length is far beyond the end of the file: PoDoFo reads to
# "endstream" instead, as viewers do; accepted.
save("ok_stream_length_lies.pdf", pdf([catalog, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                                    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
                                    b"<< /Length 999999999 >>\nstream\nBT ET\nendstream"]))
# An object stream that contains itself (uncompressed): PoDoFo copes; accepted.
save("ok_objstm_self.pdf", pdf([catalog, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page,
                             b"<< /Type /ObjStm /N 1 /First 4 /Length 8 >>\nstream\n4 0 4 0 R\nendstream"]))
# Dictionaries nested 50,000 deep inside a Flate-compressed object stream
# (PoDoFo parses object streams while loading; the prescan inflates them).
deep = b"<< /A " * 50000 + b"1" + b" >>" * 50000
packed = zlib.compress(b"4 0 " + deep)
save("deep_dicts_in_objstm.pdf", pdf([catalog, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page,
                                      b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(packed)
                                      + packed + b"\nendstream"]))
