#pragma once
// A pass over an uploaded PDF's raw bytes before PoDoFo sees them, for the
// hostile inputs PoDoFo 0.9.8 cannot survive: it crashes rather than
// throwing on them, so refusing them afterwards is too late.
//
//  - Nesting: PoDoFo's tokenizer reads a dictionary inside a dictionary by
//    recursion, without a depth limit (arrays have one), so `<< /A << /A …`
//    50,000 deep (a 300 KB file) overflows the stack. The same holds inside
//    object streams, which PoDoFo parses while loading, so Flate-compressed
//    object streams are inflated here (zlib, within a budget) and scanned too.
//  - Encryption: PdfEncrypt::CreatePdfEncrypt dereferences null when the
//    encryption dictionary lacks a key; any /Encrypt name (#-escapes decoded,
//    as PoDoFo decodes them) means the file is refused as encrypted, which it
//    would be anyway.
//
// It is a lexer, not a parser: strings, comments and stream data are
// skipped, names decoded, brackets counted per object. Found by fuzzing and
// by hand (tests/fuzz/podofo-crashes/, tests/documents/attach/hostile_pdfs.py).
#include <cstddef>
#include <string_view>

namespace signflow::documents::attach {

struct Prescan {
    bool encrypted = false;    // an /Encrypt name appears
    int deepest = 0;           // deepest nesting of << >> and [ ] in one object
    bool object_stream_unreadable = false;  // an /ObjStm compressed other than by Flate
    bool budget_exceeded = false;  // object streams inflate to more than the budget
};

// `inflate_budget` bounds the bytes inflated from object streams.
Prescan prescan_pdf(std::string_view bytes, std::size_t inflate_budget);

}  // namespace signflow::documents::attach
