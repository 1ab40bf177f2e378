#pragma once
// Files a signer uploads (`attach id_scan from client required`) and how they
// travel with the signed document.
//
// An upload is untrusted input from the open internet that ends up inside a
// document people sign, so it passes one gate, inspect_upload, before it is
// stored: the type is decided by the bytes (a PNG named "scan.pdf" is a PNG),
// the size, page count and pixel count are bounded, and a PDF is parsed in
// full by the same library that will later carry it (PoDoFo), so that a file
// it cannot read is refused now, with a sentence the signer can act on,
// rather than failing at the seal. What passes is described by UploadInfo;
// its SHA-256 goes to the audit trail.
//
// embed_attachments then puts the accepted files into the final PDF as
// embedded files (what viewers list under "Attachments"), as an incremental
// update: the bytes already signed are not touched, so every signature made
// before stays valid, and the operator's seal, made after, covers them.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace signflow::documents {

struct UploadLimits {
    // Refused before anything is parsed: a signer's scan or contract fits in
    // far less, and PoDoFo holds the whole file (and its objects) in memory.
    std::size_t max_bytes = 20 * 1024 * 1024;
    // A PDF with more pages is almost certainly not an ID scan or an annex,
    // and every page costs memory and time at the seal.
    int max_pages = 500;
    // width × height of an image: a 2 KB PNG can claim 100,000 × 100,000
    // pixels and cost 40 GB to anyone who decodes it (a viewer, a thumbnailer).
    int max_image_pixels = 50'000'000;
    // PDF objects: the cross-reference table can claim millions of objects
    // in a few bytes; PoDoFo allocates for each.
    int max_objects = 250'000;
    // Bytes of decoded stream data, summed over the PDF: Flate compresses
    // zeros ~1000:1, so a 20 MB upload could otherwise inflate to 20 GB.
    std::size_t max_decoded_bytes = 256 * 1024 * 1024;
};

struct UploadInfo {
    std::string media_type;  // application/pdf | image/png | image/jpeg (from the bytes, not the name)
    std::string sha256;      // 64 lowercase hex digits of the bytes as uploaded
    std::size_t size = 0;    // bytes
    int pages = 0;           // PDF only
    int width = 0, height = 0;  // images only, in pixels
};

// Checks an uploaded file and describes it. Throws DocumentError with a
// sentence for the signer when the file is refused ("the file is 31 MB; the
// limit is 20 MB", "this is not a PDF, PNG or JPEG file", "the PDF is
// damaged: …", "the PDF is protected by a password …"). `filename` is only
// used in messages; it never decides the type.
UploadInfo inspect_upload(std::string_view bytes, std::string const& filename, UploadLimits const& limits = {});

struct EmbeddedFile {
    std::string name;         // file name shown by viewers (UTF-8; a path is cut to its last part)
    std::string media_type;   // e.g. application/pdf; written as the stream's /Subtype
    std::string bytes;        // the file itself
    std::string description;  // shown next to the name (/Desc), e.g. "ID scan uploaded by the client"
};

// Returns `pdf` followed by an incremental update that adds `files` as
// embedded files: the EmbeddedFiles name tree (names made unique against the
// files already there) and the catalog's /AF list (relationship Supplement),
// each with size, MD5 checksum and date. The bytes of `pdf` are an unchanged
// prefix of the result. Throws DocumentError when `pdf` cannot be loaded.
std::string embed_attachments(std::string_view pdf, std::vector<EmbeddedFile> const& files);

}  // namespace signflow::documents
