// inspect_upload: the one gate an uploaded file passes before it is stored.
// Order matters: the cheap checks (size, type) run before any parser sees
// the bytes, and the PDF parser runs with its limits set.
#include "signflow/documents/attachments.hpp"

#include "attach/image_headers.hpp"
#include "attach/pdf_inspection.hpp"
#include "signflow/documents/error.hpp"

#include <cstdio>

namespace signflow::documents {

namespace {

// "31 MB", "512 KB", "20.5 MB": how a signer reads a size.
std::string human_size(std::size_t bytes) {
    char text[32];
    double mb = static_cast<double>(bytes) / (1024.0 * 1024.0);
    if (bytes < 1024 * 1024)
        std::snprintf(text, sizeof text, "%zu KB", (bytes + 1023) / 1024);
    else if (mb < 10 && static_cast<std::size_t>(mb * 10) % 10 != 0)
        std::snprintf(text, sizeof text, "%.1f MB", mb);
    else
        std::snprintf(text, sizeof text, "%zu MB", static_cast<std::size_t>(mb + 0.5));
    return text;
}

enum class Sniffed { pdf, png, jpeg, other };

// The type is what the bytes say. A PDF's header may follow up to 1 KB of
// junk (readers accept that, and some mail gateways add it).
Sniffed sniff(std::string_view b) {
    if (b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1A\n", 8)) return Sniffed::png;
    if (b.size() >= 3 && b.substr(0, 3) == "\xFF\xD8\xFF") return Sniffed::jpeg;
    if (b.substr(0, 1024).find("%PDF-") != std::string_view::npos) return Sniffed::pdf;
    return Sniffed::other;
}

// What the signer's file looks like to them, for "this is not …" messages.
std::string quoted(std::string const& filename) {
    auto slash = filename.find_last_of("/\\");
    std::string name = slash == std::string::npos ? filename : filename.substr(slash + 1);
    if (name.empty()) return "this file";
    if (name.size() > 80) name = name.substr(0, 77) + "...";
    return "\"" + name + "\"";
}

void check_pixels(attach::ImageSize size, UploadLimits const& limits, char const* kind) {
    auto pixels = static_cast<unsigned long long>(size.width) * static_cast<unsigned long long>(size.height);
    if (pixels > static_cast<unsigned long long>(limits.max_image_pixels))
        throw DocumentError("the " + std::string(kind) + " is " + std::to_string(size.width) + " × " +
                            std::to_string(size.height) + " pixels; the limit is " +
                            std::to_string(limits.max_image_pixels / 1'000'000) + " million pixels");
}

}  // namespace

UploadInfo inspect_upload(std::string_view bytes, std::string const& filename, UploadLimits const& limits) {
    if (bytes.empty()) throw DocumentError(quoted(filename) + " is empty");
    if (bytes.size() > limits.max_bytes) {
        std::string is = human_size(bytes.size()), limit = human_size(limits.max_bytes);
        if (is == limit) is = "larger than " + limit;  // 20 MB + 1 byte
        throw DocumentError("the file is " + is + "; the limit is " + limit);
    }
    UploadInfo info;
    info.size = bytes.size();
    switch (sniff(bytes)) {
        case Sniffed::png: {
            auto size = attach::read_png(bytes);
            check_pixels(size, limits, "image");
            info.media_type = "image/png";
            info.width = size.width;
            info.height = size.height;
            break;
        }
        case Sniffed::jpeg: {
            auto size = attach::read_jpeg(bytes);
            check_pixels(size, limits, "image");
            info.media_type = "image/jpeg";
            info.width = size.width;
            info.height = size.height;
            break;
        }
        case Sniffed::pdf:
            info.media_type = "application/pdf";
            // Belt and braces before PoDoFo, which crashes on some broken
            // encryption dictionaries (a fuzzer input the prescan's lexer
            // let through): any `/Encrypt` in the bytes is refused.
            if (bytes.find("/Encrypt") != std::string_view::npos)
                throw DocumentError(
                    "the PDF is encrypted (it has a password or restrictions); please upload a copy without protection");
            info.pages = attach::inspect_pdf(bytes, limits);
            break;
        case Sniffed::other:
            throw DocumentError(quoted(filename) + " is not a PDF, PNG or JPEG file");
    }
    info.sha256 = sha256_hex(bytes);
    return info;
}

}  // namespace signflow::documents
