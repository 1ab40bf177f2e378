#pragma once
// A small, defensive reader of PDF objects for verification. It does not
// trust the file: it walks the bytes for "N G obj" headers, parses each
// object's value with a depth limit and skips streams, collecting the
// dictionaries with their byte positions. It never follows an xref table
// (a forged one is exactly what a verifier must not believe) and cannot see
// inside compressed object streams — which a signature dictionary can never
// be in, since its /Contents must be a hole in the file that the ByteRange
// leaves out.
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace signflow::documents::sign_detail {

struct PdfValue {
    // A dictionary entry. Declared here, defined below: a std::pair of an
    // incomplete PdfValue does not compile with clang (the fuzz build).
    struct Entry;
    enum class Kind { null, boolean, number, name, string, array, dictionary, reference };
    Kind kind = Kind::null;
    double number = 0;  // number, boolean (0/1)
    std::string text;   // name (without '/'), string (decoded bytes)
    std::vector<PdfValue> items;                            // array
    std::vector<Entry> entries;                             // dictionary (file order)
    long object = 0, generation = 0;                        // reference
    std::size_t begin = 0, end = 0;                         // the value's bytes in the file: [begin, end)
    bool hex = false;                                       // a string written as <hex>

    PdfValue const* get(std::string_view key) const;  // last entry with that key, or nullptr
    bool is(Kind k) const { return kind == k; }
};

struct PdfValue::Entry {
    std::string first;  // the key, without '/'
    PdfValue second;
};

struct PdfIndirectObject {
    long number = 0, generation = 0;
    PdfValue value;
};

// Every indirect object the scan can read, in file order (a later revision's
// object with the same number comes later).
std::vector<PdfIndirectObject> scan_objects(std::string_view pdf);

// A PDF text string (PDFDocEncoding, or UTF-16BE with a BOM) as UTF-8.
std::string text_string_utf8(std::string const& bytes);

}  // namespace signflow::documents::sign_detail
