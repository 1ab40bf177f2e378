// embed_attachments: uploaded files into the final document as embedded
// files (ISO 32000-1 §7.11.4), in one incremental update.
//
// Each file becomes a file specification (/Type /Filespec, /F and /UF names,
// /Desc, /AFRelationship /Supplement) pointing at an embedded file stream
// (/Type /EmbeddedFile, /Subtype = media type, /Params with size, MD5 and
// date), listed in the catalog's EmbeddedFiles name tree (what viewers show
// under "Attachments") and in the catalog's /AF array (PDF 2.0 and PDF/A-3's
// "associated files": it says the files belong to the document as a whole).
#include "signflow/documents/attachments.hpp"

#include "attach/podofo_edge.hpp"
#include "signflow/documents/error.hpp"

#include <openssl/evp.h>
#include <podofo/podofo.h>

#include <set>

namespace signflow::documents {

using namespace PoDoFo;

namespace {

// The name a viewer shows: the last part of a path, no control characters,
// never empty.
std::string shown_name(std::string const& name) {
    auto slash = name.find_last_of("/\\");
    std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
    std::string out;
    for (char c : base)
        if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out.push_back(c);
    return out.empty() ? "attachment" : out;
}

// /F is a file specification string that old readers treat as bytes: the
// name with anything outside printable ASCII replaced. /UF carries the real
// name.
std::string ascii_fallback(std::string const& name) {
    std::string out;
    for (char c : name) out.push_back(static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f ? c : '_');
    return out;
}

// "scan.pdf", "scan (2).pdf", … : the first name not yet in the tree nor
// taken by an earlier file of this call (a name tree maps one key to one file).
std::string unique_name(PdfNamesTree& names, std::set<std::string>& taken, std::string const& wanted) {
    auto dot = wanted.find_last_of('.');
    std::string stem = dot == std::string::npos || dot == 0 ? wanted : wanted.substr(0, dot);
    std::string ext = dot == std::string::npos || dot == 0 ? "" : wanted.substr(dot);
    std::string candidate = wanted;
    for (int n = 2; taken.count(candidate) || names.HasValue(PdfName("EmbeddedFiles"), attach::pdf_text(candidate));
         ++n)
        candidate = stem + " (" + std::to_string(n) + ")" + ext;
    taken.insert(candidate);
    return candidate;
}

PdfString md5_of(std::string const& bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_md5(), nullptr) != 1)
        throw DocumentError("MD5 of an attachment failed (OpenSSL)");
    return PdfString(reinterpret_cast<char const*>(digest), length, true);
}

// Already-compressed formats gain nothing from Flate; everything else is
// compressed.
bool compressible(std::string const& media_type) {
    return media_type != "image/jpeg" && media_type != "image/png" && media_type.rfind("video/", 0) != 0 &&
           media_type != "application/zip";
}

PdfObject* add_embedded_file(PdfMemDocument& document, EmbeddedFile const& file, std::string const& name,
                             PdfString const& now) {
    auto& objects = document.GetObjects();
    PdfObject* stream = objects.CreateObject("EmbeddedFile");
    if (!file.media_type.empty()) stream->GetDictionary().AddKey(PdfName("Subtype"), PdfName(file.media_type));
    PdfDictionary params;
    params.AddKey(PdfName("Size"), static_cast<pdf_int64>(file.bytes.size()));
    params.AddKey(PdfName("CheckSum"), md5_of(file.bytes));
    params.AddKey(PdfName("ModDate"), now);
    stream->GetDictionary().AddKey(PdfName("Params"), params);
    if (compressible(file.media_type))
        stream->GetStream()->Set(file.bytes.data(), static_cast<pdf_long>(file.bytes.size()));
    else
        stream->GetStream()->Set(file.bytes.data(), static_cast<pdf_long>(file.bytes.size()), TVecFilters());

    PdfObject* spec = objects.CreateObject("Filespec");
    auto& dict = spec->GetDictionary();
    dict.AddKey(PdfName("F"), PdfString(ascii_fallback(name)));
    dict.AddKey(PdfName("UF"), attach::pdf_text(name));
    if (!file.description.empty()) dict.AddKey(PdfName("Desc"), attach::pdf_text(file.description));
    dict.AddKey(PdfName("AFRelationship"), PdfName("Supplement"));
    PdfDictionary ef;
    ef.AddKey(PdfName("F"), stream->Reference());
    ef.AddKey(PdfName("UF"), stream->Reference());
    dict.AddKey(PdfName("EF"), ef);
    return spec;
}

}  // namespace

std::string embed_attachments(std::string_view pdf, std::vector<EmbeddedFile> const& files) {
    auto document = attach::load_for_update(pdf, "the document");
    try {
        PdfNamesTree* names = document->GetNamesTree(true);
        if (!names) throw DocumentError("the document's name tree cannot be created");
        PdfString now;
        PdfDate().ToString(now);
        PdfObject* catalog = document->GetCatalog();
        PdfArray associated;
        if (PdfObject* af = catalog->GetIndirectKey(PdfName("AF")); af && af->IsArray()) associated = af->GetArray();
        std::set<std::string> taken;
        for (auto const& file : files) {
            std::string name = unique_name(*names, taken, shown_name(file.name));
            PdfObject* spec = add_embedded_file(*document, file, name, now);
            names->AddValue(PdfName("EmbeddedFiles"), attach::pdf_text(name), spec->Reference());
            associated.push_back(spec->Reference());
        }
        catalog->GetDictionary().AddKey(PdfName("AF"), associated);
    } catch (PdfError const& e) {
        throw DocumentError("embedding attachments failed: " + attach::describe_pdf_error(e));
    }
    return attach::write_incremental_update(*document, pdf, "the document");
}

}  // namespace signflow::documents
