#include "font_files.hpp"

#include "signflow/documents/error.hpp"

#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>

namespace signflow::documents::fonts {

using namespace PoDoFo;

PdfRefCountedBuffer const* file_bytes(char const* path) {
    thread_local std::map<std::string, std::optional<PdfRefCountedBuffer>, std::less<>> files;
    auto it = files.find(std::string_view(path));
    if (it == files.end()) {
        std::optional<PdfRefCountedBuffer> bytes;
        std::ifstream in(path, std::ios::binary);
        std::string read((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if ((in.good() || in.eof()) && !read.empty()) {
            PdfRefCountedBuffer buffer(read.size());
            std::copy(read.begin(), read.end(), buffer.GetBuffer());
            bytes = buffer;
        }
        it = files.emplace(path, std::move(bytes)).first;
    }
    return it->second ? &*it->second : nullptr;
}

std::unique_ptr<PdfFont> subset_font(PdfMemDocument& document, FT_Library& library, char const* path,
                                     char const* prefix, char const* what) {
    PdfRefCountedBuffer const* bytes = file_bytes(path);
    if (!bytes) throw DocumentError(std::string("cannot read the ") + what + " font " + path);
    std::unique_ptr<PdfFont> font;
    try {
        // Metrics over the shared bytes (no copy); the font owns them.
        auto* metrics = new PdfFontMetricsFreetype(&library, *bytes, false, prefix);
        font.reset(PdfFontFactory::CreateFontObject(metrics, ePdfFont_Embedded | ePdfFont_Subsetting,
                                                    PdfEncodingFactory::GlobalIdentityEncodingInstance(),
                                                    &document.GetObjects()));
    } catch (PdfError const& e) {
        throw DocumentError(std::string("the ") + what + " font " + path + " cannot be loaded (" +
                            PdfError::ErrorMessage(e.GetError()) + ")");
    }
    if (!font) throw DocumentError(std::string("the ") + what + " font " + path + " cannot be loaded");
    return font;
}

}  // namespace signflow::documents::fonts
