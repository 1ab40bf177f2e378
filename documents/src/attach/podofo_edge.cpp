#include "attach/podofo_edge.hpp"

#include "signflow/documents/error.hpp"

#include <algorithm>

namespace signflow::documents::attach {

using namespace PoDoFo;

namespace {

char const* phrase(EPdfError code) {
    switch (code) {
        case ePdfError_UnexpectedEOF: return "it ends too early (was it cut short?)";
        case ePdfError_NoEOFToken: return "it has no end-of-file marker (was it cut short?)";
        case ePdfError_NoPdfFile: return "it does not start like a PDF";
        case ePdfError_NoXRef:
        case ePdfError_InvalidXRef:
        case ePdfError_InvalidXRefType:
        case ePdfError_InvalidXRefStream: return "its cross-reference table is missing or broken";
        case ePdfError_NoTrailer:
        case ePdfError_InvalidTrailerSize: return "its trailer is missing or broken";
        case ePdfError_InvalidLinearization: return "its web-optimisation data is broken";
        case ePdfError_NoObject:
        case ePdfError_NoNumber:
        case ePdfError_InvalidDataType:
        case ePdfError_InvalidHexString:
        case ePdfError_InvalidName:
        case ePdfError_InvalidKey: return "an object in it cannot be read";
        case ePdfError_InvalidStream:
        case ePdfError_InvalidStreamLength:
        case ePdfError_MissingEndStream: return "a data stream in it is broken";
        case ePdfError_Flate:
        case ePdfError_InvalidPredictor: return "compressed data in it is corrupt";
        case ePdfError_UnsupportedFilter: return "it uses a compression this service cannot read";
        case ePdfError_InvalidPassword:
        case ePdfError_InvalidEncryptionDict:
        case ePdfError_CannotEncryptedForUpdate: return "it is protected by a password";
        case ePdfError_PageNotFound: return "its page list is broken";
        case ePdfError_OutOfMemory: return "it needs more memory than a document may use";
        case ePdfError_ValueOutOfRange: return "a number in it is out of range";
        case ePdfError_BrokenFile: return "its structure is broken";
        default: return "it cannot be read";
    }
}

}  // namespace

std::string describe_pdf_error(PdfError const& error) {
    std::string out = phrase(error.GetError());
    // PoDoFo's detail, when a frame has one, says which object or offset.
    for (auto const& info : error.GetCallstack()) {
        // PoDoFo's parser adds this to every error it passes on: says nothing.
        if (info.GetInformation().empty() || info.GetInformation() == "Unable to load objects from file.") continue;
        std::string detail = info.GetInformation();
        if (detail.size() > 160) detail = detail.substr(0, 160) + "…";
        std::replace(detail.begin(), detail.end(), '\n', ' ');
        out += " (" + detail + ")";
        break;
    }
    return out;
}

std::unique_ptr<PdfMemDocument> load_for_update(std::string_view pdf, char const* what) {
    auto document = std::make_unique<PdfMemDocument>();
    try {
        document->LoadFromBuffer(pdf.data(), static_cast<long>(pdf.size()), true);
    } catch (PdfError const& e) {
        throw DocumentError(std::string(what) + " cannot be loaded: " + describe_pdf_error(e));
    }
    if (document->GetEncrypted())
        throw DocumentError(std::string(what) + " is encrypted; an encrypted PDF cannot be updated incrementally");
    return document;
}

std::string write_incremental_update(PdfMemDocument& document, std::string_view original, char const* what) {
    std::string out;
    try {
        PdfRefCountedBuffer buffer(original.size() + 64 * 1024);
        PdfOutputDevice device(&buffer);
        document.WriteUpdate(&device, true);
        out.assign(buffer.GetBuffer(), device.GetLength());
    } catch (PdfError const& e) {
        throw DocumentError(std::string("writing the update to ") + what + " failed: " + describe_pdf_error(e));
    }
    if (out.size() <= original.size() || std::string_view(out).substr(0, original.size()) != original)
        throw DocumentError(std::string("writing the update to ") + what +
                            " changed bytes that were already there; refusing it (earlier signatures would break)");
    return out;
}

PdfString pdf_text(std::string const& utf8) {
    bool ascii = std::all_of(utf8.begin(), utf8.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u >= 0x20 && u < 0x7f;
    });
    if (ascii) return PdfString(utf8);
    return PdfString(reinterpret_cast<pdf_utf8 const*>(utf8.c_str()));
}

}  // namespace signflow::documents::attach
