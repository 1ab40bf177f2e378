#include "attach/pdf_inspection.hpp"

#include "attach/pdf_prescan.hpp"
#include "attach/podofo_edge.hpp"
#include "signflow/documents/error.hpp"

#include <podofo/podofo.h>

#include <mutex>
#include <new>
#include <unordered_set>
#include <vector>

namespace signflow::documents::attach {

using namespace PoDoFo;

namespace {

[[noreturn]] void damaged(std::string const& why) { throw DocumentError("the PDF is damaged: " + why); }

// Thrown from inside PoDoFo's filter chain when decoded data passes the
// budget; PoDoFo unwinds through it like through its own errors.
struct BudgetExceeded {};

// Counts decoded bytes and stops the decoder at the budget; keeps nothing.
class CountingStream final : public PdfOutputStream {
public:
    explicit CountingStream(std::size_t& left) : left_(left) {}
    pdf_long Write(char const*, pdf_long length) override {
        auto n = static_cast<std::size_t>(length);
        if (n > left_) throw BudgetExceeded{};
        left_ -= n;
        return length;
    }
    void Close() override {}

private:
    std::size_t& left_;
};

// Filters PoDoFo decodes. Image codecs (DCT, JPX, JBIG2, CCITT) it does
// not: their data is left to the viewer, as for any image.
bool decodable(PdfObject const& object) {
    PdfObject const* filter = object.GetDictionary().GetKey(PdfName("Filter"));
    if (!filter) return true;
    auto known = [](PdfObject const& name) {
        if (!name.IsName()) return false;
        std::string const& n = name.GetName().GetName();
        return n == "FlateDecode" || n == "LZWDecode" || n == "ASCIIHexDecode" || n == "ASCII85Decode" ||
               n == "RunLengthDecode" || n == "Fl" || n == "LZW" || n == "AHx" || n == "A85" || n == "RL";
    };
    if (filter->IsName()) return known(*filter);
    if (!filter->IsArray()) return false;
    for (auto const& f : filter->GetArray())
        if (!known(f)) return false;
    return true;
}

std::string ref_text(PdfReference const& ref) {
    return "object " + std::to_string(ref.ObjectNumber()) + " " + std::to_string(ref.GenerationNumber());
}

// Loads and decodes every object the parser found.
void load_every_object(PdfMemDocument& document, UploadLimits const& limits) {
    auto& objects = document.GetObjects();
    if (objects.GetSize() > static_cast<std::size_t>(limits.max_objects))
        throw DocumentError("the PDF has " + std::to_string(objects.GetSize()) + " objects; the limit is " +
                            std::to_string(limits.max_objects));
    std::size_t budget = limits.max_decoded_bytes;
    for (PdfObject* object : objects) {
        PdfReference ref = object->Reference();
        try {
            object->GetDataType();  // forces PoDoFo's delayed load
            if (!object->HasStream()) continue;
            if (!object->IsDictionary()) damaged(ref_text(ref) + " has data but no dictionary");
            if (!decodable(*object)) continue;
            CountingStream sink(budget);
            object->GetStream()->GetFilteredCopy(&sink);
        } catch (BudgetExceeded const&) {
            throw DocumentError("the PDF's compressed data unpacks to more than " +
                                std::to_string(limits.max_decoded_bytes / (1024 * 1024)) +
                                " MB; it cannot be accepted");
        } catch (PdfError const& e) {
            damaged(ref_text(ref) + ": " + describe_pdf_error(e));
        }
    }
}

// Every reference reachable from the trailer must lead to an object: PoDoFo
// drops an object it cannot parse and goes on, so a missing target is how a
// broken object shows. An explicit stack: nesting depth is the file's choice.
void check_references(PdfMemDocument& document) {
    auto& objects = document.GetObjects();
    std::vector<PdfObject const*> stack{document.GetTrailer()};
    std::unordered_set<PdfObject const*> seen;
    while (!stack.empty()) {
        PdfObject const* object = stack.back();
        stack.pop_back();
        if (object->IsReference()) {
            PdfObject const* target = objects.GetObject(object->GetReference());
            if (!target) {
                // A reference to an object number beyond the table, or one
                // the parser dropped, is how a broken object shows.
                damaged(ref_text(object->GetReference()) + " is referenced but missing or unreadable");
            }
            if (seen.insert(target).second) stack.push_back(target);
        } else if (object->IsDictionary()) {
            for (auto const& [key, value] : object->GetDictionary().GetKeys()) {
                if (key == PdfName("Parent") || key == PdfName("P")) continue;  // back links: reached anyway
                stack.push_back(value);
            }
        } else if (object->IsArray()) {
            for (auto const& item : object->GetArray()) stack.push_back(&item);
        }
    }
}

int count_and_visit_pages(PdfMemDocument& document, UploadLimits const& limits) {
    int pages = document.GetPageCount();
    if (pages <= 0) damaged("it has no pages");
    if (pages > limits.max_pages)
        throw DocumentError("the PDF has " + std::to_string(pages) + " pages; the limit is " +
                            std::to_string(limits.max_pages));
    for (int i = 0; i < pages; ++i) {
        PdfPage* page = document.GetPage(i);
        if (!page) damaged("page " + std::to_string(i + 1) + " of " + std::to_string(pages) + " is missing");
        page->GetMediaBox();
    }
    return pages;
}

// Deeper than this, a PDF is refused before PoDoFo reads it (its tokenizer
// recurses once per level of dictionary, without a limit: pdf_prescan.hpp).
// Real documents nest a dozen levels; 100 leaves room and keeps PoDoFo's
// stack use far below a thread's 8 MB.
constexpr int kMaxNesting = 100;

void refuse_what_podofo_cannot_survive(std::string_view bytes, UploadLimits const& limits) {
    Prescan scan = prescan_pdf(bytes, limits.max_decoded_bytes);
    if (scan.encrypted)
        throw DocumentError(
            "the PDF is encrypted (it has a password or restrictions); please upload a copy without protection");
    if (scan.budget_exceeded)
        throw DocumentError("the PDF's compressed data unpacks to more than " +
                            std::to_string(limits.max_decoded_bytes / (1024 * 1024)) + " MB; it cannot be accepted");
    if (scan.deepest > kMaxNesting)
        damaged("it nests objects " + std::to_string(scan.deepest) + " levels deep (the limit is " +
                std::to_string(kMaxNesting) + ")");
    if (scan.object_stream_unreadable)
        damaged("its object streams use a compression other than Flate, which this service does not accept");
}

// PoDoFo's parser limits are process-wide statics; set them once. The object
// cap bounds what a lying cross-reference table makes PoDoFo allocate before
// load_every_object can count (PoDoFo's default is 8.4 million entries).
void set_parser_limits(UploadLimits const& limits) {
    static std::once_flag once;
    std::call_once(once, [&] {
        if (PdfParser::GetMaxObjectCount() > limits.max_objects) PdfParser::SetMaxObjectCount(limits.max_objects);
    });
}

}  // namespace

int inspect_pdf(std::string_view bytes, UploadLimits const& limits) {
    set_parser_limits(limits);
    refuse_what_podofo_cannot_survive(bytes, limits);
    try {
        PdfMemDocument document;
        try {
            document.LoadFromBuffer(bytes.data(), static_cast<long>(bytes.size()), false);
        } catch (PdfError const& e) {
            if (e.GetError() == ePdfError_InvalidPassword)
                throw DocumentError("the PDF is protected by a password; please upload a copy without one");
            damaged(describe_pdf_error(e));
        }
        if (document.GetEncrypted())
            throw DocumentError(
                "the PDF is encrypted (it has an owner password or restrictions); please upload a copy without "
                "protection");
        load_every_object(document, limits);
        check_references(document);
        return count_and_visit_pages(document, limits);
    } catch (DocumentError const&) {
        throw;
    } catch (PdfError const& e) {
        damaged(describe_pdf_error(e));
    } catch (std::bad_alloc const&) {
        throw DocumentError("the PDF needs more memory to read than an upload may use; it cannot be accepted");
    } catch (std::exception const& e) {
        damaged(std::string("it cannot be read (") + e.what() + ")");
    } catch (...) {
        damaged("it cannot be read");
    }
}

}  // namespace signflow::documents::attach
