// sign(): one incremental update holding a signature field (found or made),
// its appearance and a PAdES signature. PoDoFo 0.9.8's recipe: a
// PdfSignOutputDevice finds the /Contents placeholder while WriteUpdate
// writes, AdjustByteRange fills in the ByteRange, the bytes around the hole
// are read back and signed, and the DER is written into the hole.
//
// Everything happens in memory; the PDF is loaded "for update", so PoDoFo
// writes only the objects this function changed after a copy of the
// original bytes.
#include "signflow/documents/signing.hpp"

#include "sign/appearance.hpp"
#include "sign/cades.hpp"
#include "sign/openssl_util.hpp"

#include <podofo/podofo.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <mutex>
#include <optional>

namespace signflow::documents {

using namespace PoDoFo;
using namespace sign_detail;

namespace {

// The box drawn for a signer when the template names no field (points).
constexpr double box_width = 180, box_height = 54, box_margin = 36, box_gap = 10;
// Fields nest; a deeper tree than this is a hostile file.
constexpr int max_field_depth = 32;

PdfObject const* resolve(PdfVecObjects const& objects, PdfObject const* object) {
    for (int hops = 0; object && object->IsReference() && hops < 8; ++hops)
        object = objects.GetObject(object->GetReference());
    return object && !object->IsReference() ? object : nullptr;
}

PdfObject const* key(PdfVecObjects const& objects, PdfObject const* dictionary, char const* name) {
    if (!dictionary || !dictionary->IsDictionary()) return nullptr;
    return resolve(objects, dictionary->GetDictionary().GetKey(PdfName(name)));
}

std::string text_of(PdfObject const* object) {
    return object && object->IsString() ? object->GetString().GetStringUtf8() : std::string();
}

bool is_signature_field(PdfVecObjects const& objects, PdfObject const* field) {
    // /FT is inheritable: look up the /Parent chain.
    for (int depth = 0; field && depth < max_field_depth; ++depth) {
        if (auto const* type = key(objects, field, "FT"); type && type->IsName())
            return type->GetName() == PdfName("Sig");
        field = key(objects, field, "Parent");
    }
    return false;
}

struct SignatureFieldInfo {
    PdfObject* object = nullptr;  // the field dictionary (merged with its widget when it has no /Kids)
    std::string name;             // fully qualified (/T of the parents, joined by '.')
    bool is_signed = false;       // has /V
    bool has_kids = false;
};

void collect(PdfVecObjects const& objects, PdfObject* field, std::string const& prefix, int depth,
             std::vector<SignatureFieldInfo>& out) {
    if (!field || !field->IsDictionary() || depth > max_field_depth) return;
    auto const* self = static_cast<PdfObject const*>(field);
    std::string partial = text_of(key(objects, self, "T"));
    std::string name = prefix.empty() ? partial : partial.empty() ? prefix : prefix + "." + partial;
    auto const* kids = key(objects, self, "Kids");
    bool has_field_kids = false;
    if (kids && kids->IsArray()) {
        for (auto const& kid : kids->GetArray()) {
            auto* child = const_cast<PdfObject*>(resolve(objects, &kid));
            if (child && child->IsDictionary() && child->GetDictionary().HasKey(PdfName("T"))) {
                has_field_kids = true;
                collect(objects, child, name, depth + 1, out);
            }
        }
    }
    if (!has_field_kids && is_signature_field(objects, self))
        out.push_back({field, name, key(objects, self, "V") != nullptr, kids && kids->IsArray()});
}

std::vector<SignatureFieldInfo> signature_fields(PdfMemDocument& document) {
    std::vector<SignatureFieldInfo> out;
    auto const& objects = document.GetObjects();
    auto const* catalog = static_cast<PdfObject const*>(document.GetCatalog());
    auto const* form = key(objects, catalog, "AcroForm");
    auto const* fields = key(objects, form, "Fields");
    if (!fields || !fields->IsArray()) return out;
    for (auto const& entry : fields->GetArray())
        collect(objects, const_cast<PdfObject*>(resolve(objects, &entry)), "", 0, out);
    return out;
}

// How many signature widgets a page already carries: the next box goes
// beside them.
int signature_widgets_on(PdfMemDocument& document, PdfPage* page) {
    auto const& objects = document.GetObjects();
    auto const* annotations = key(objects, page->GetObject(), "Annots");
    if (!annotations || !annotations->IsArray()) return 0;
    int count = 0;
    for (auto const& entry : annotations->GetArray()) {
        auto const* annotation = resolve(objects, &entry);
        if (annotation && is_signature_field(objects, annotation)) ++count;
    }
    return count;
}

PdfRect rect_of(PdfObject const* widget, PdfVecObjects const& objects) {
    auto const* rect = key(objects, widget, "Rect");
    if (!rect || !rect->IsArray() || rect->GetArray().size() != 4) return PdfRect(0, 0, 0, 0);
    double v[4];
    for (int i = 0; i < 4; ++i) {
        auto const* number = resolve(objects, &rect->GetArray()[static_cast<std::size_t>(i)]);
        if (!number || !(number->IsReal() || number->IsNumber())) return PdfRect(0, 0, 0, 0);
        v[i] = number->GetReal();
    }
    return PdfRect(std::min(v[0], v[2]), std::min(v[1], v[3]), std::abs(v[2] - v[0]), std::abs(v[3] - v[1]));
}

std::string pdf_date(std::chrono::system_clock::time_point when) {
    std::time_t seconds = std::chrono::system_clock::to_time_t(when);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "D:%Y%m%d%H%M%SZ", &utc);
    return text;
}

// A text string: plain bytes when ASCII (readable in the file), else
// UTF-16BE with a BOM, which every reader understands.
PdfString utf8(std::string const& text) {
    bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    return ascii ? PdfString(text) : PdfString(reinterpret_cast<pdf_utf8 const*>(text.c_str()));
}

// The DER bytes to reserve for the CMS: certificates, the signature value,
// the signed attributes; a timestamp token brings the TSA's own certificate
// and signature, so it gets a generous allowance.
std::size_t reserve_for(Credentials const& credentials, bool timestamped) {
    std::size_t size = static_cast<std::size_t>(i2d_X509(credentials.certificate.get(), nullptr));
    for (int i = 0; i < sk_X509_num(credentials.chain.get()); ++i)
        size += static_cast<std::size_t>(i2d_X509(sk_X509_value(credentials.chain.get(), i), nullptr));
    size += static_cast<std::size_t>(EVP_PKEY_get_size(credentials.key.get())) + 1024;
    if (timestamped) size += 12 * 1024;
    return size;
}

std::string sign_with_podofo(std::string_view pdf, Credentials const& credentials, SignRequest const& request) {
    PdfMemDocument document;
    document.LoadFromBuffer(pdf.data(), static_cast<long>(pdf.size()), true);
    auto const& objects = document.GetObjects();
    int const pages = document.GetPageCount();
    if (pages == 0) throw DocumentError("the PDF has no page to sign on");

    auto existing = signature_fields(document);
    int signed_count = 0;
    for (auto const& field : existing) signed_count += field.is_signed;
    if (request.certify && signed_count > 0)
        throw DocumentError("cannot certify (DocMDP) a PDF that already has " + std::to_string(signed_count) +
                            " signature(s): a certification signature must be the document's first");

    PdfAcroForm* form = document.GetAcroForm(ePdfCreateObject, ePdfAcroFormDefaultAppearance_None);
    {
        auto const& dictionary = static_cast<PdfObject const*>(form->GetObject())->GetDictionary();
        auto const* flags = dictionary.GetKey(PdfName("SigFlags"));
        if (!flags || !flags->IsNumber() || flags->GetNumber() != 3)
            form->GetObject()->GetDictionary().AddKey(PdfName("SigFlags"), PdfObject(static_cast<pdf_int64>(3)));
        // A viewer that regenerates appearances would change what was signed.
        auto const* need = dictionary.GetKey(PdfName("NeedAppearances"));
        if (need && need->IsBool() && need->GetBool()) form->SetNeedAppearances(false);
    }

    Appearance const& look = request.appearance;
    std::optional<PdfSignatureField> field;
    std::optional<PdfAnnotation> found_widget;
    PdfRect rect(0, 0, 0, 0);
    if (!look.field.empty()) {
        for (auto const& candidate : existing) {
            if (candidate.name != look.field) continue;
            if (candidate.is_signed) throw DocumentError("the signature field '" + look.field + "' is already signed");
            if (candidate.has_kids)
                throw DocumentError("the signature field '" + look.field +
                                    "' has separate widget annotations (Kids), which signflow does not sign into");
            // The widget's page (/P), when it says; PoDoFo needs it only for
            // page-relative work, which signing does not do.
            PdfPage* page = nullptr;
            auto const* page_ref = static_cast<PdfObject const*>(candidate.object)->GetDictionary().GetKey(PdfName("P"));
            if (page_ref && page_ref->IsReference()) {
                try {
                    page = document.GetPagesTree()->GetPage(page_ref->GetReference());
                } catch (PdfError const&) {
                    page = nullptr;  // a /P that names no page: sign without it
                }
            }
            found_widget.emplace(candidate.object, page);
            field.emplace(&*found_widget);
            field->EnsureSignatureObject();
            rect = rect_of(candidate.object, objects);
            break;
        }
    }
    if (!field) {
        int page_number = look.page == 0 ? pages : look.page;
        if (page_number < 1 || page_number > pages)
            throw DocumentError("page " + std::to_string(look.page) + " does not exist (the PDF has " +
                                std::to_string(pages) + " pages)");
        PdfPage* page = document.GetPage(page_number - 1);
        if (look.visible) {
            PdfRect media = page->GetPageSize();
            int slot = signature_widgets_on(document, page);
            int columns = std::max(1, static_cast<int>((media.GetWidth() - 2 * box_margin + box_gap) /
                                                       (box_width + box_gap)));
            rect = PdfRect(media.GetLeft() + box_margin + (slot % columns) * (box_width + box_gap),
                           media.GetBottom() + box_margin + (slot / columns) * (box_height + box_gap), box_width,
                           box_height);
        }
        PdfAnnotation* widget = page->CreateAnnotation(ePdfAnnotation_Widget, rect);
        widget->SetFlags(look.visible ? ePdfAnnotationFlags_Print
                                      : static_cast<EPdfAnnotationFlags>(ePdfAnnotationFlags_Print |
                                                                         ePdfAnnotationFlags_Hidden));
        field.emplace(widget, form, &document);
        std::string name = look.field;
        for (std::size_t n = existing.size() + 1; name.empty(); ++n) {
            name = "Signature" + std::to_string(n);
            for (auto const& other : existing)
                if (other.name == name) name.clear();
        }
        field->SetFieldName(utf8(name));
    }

    SignatureFonts fonts(document);
    if (look.visible && rect.GetWidth() > 1 && rect.GetHeight() > 1)
        draw_appearance(document, fonts, *field, rect, look);

    PdfRefCountedBuffer buffer(pdf.size() + 64 * 1024);
    PdfOutputDevice output(&buffer);
    PdfSignOutputDevice signer(&output);
    std::size_t reserved = reserve_for(credentials, !request.tsa_url.empty());
    signer.SetSignatureSize(reserved);
    field->SetSignature(*signer.GetSignatureBeacon());
    PdfObject* dictionary = field->GetSignatureObject();
    auto& entries = dictionary->GetDictionary();
    entries.AddKey(PdfName("SubFilter"), PdfName("ETSI.CAdES.detached"));
    entries.AddKey(PdfName("M"), PdfString(pdf_date(request.when)));
    if (!request.reason.empty()) field->SetSignatureReason(utf8(request.reason));
    if (!request.location.empty()) field->SetSignatureLocation(utf8(request.location));
    if (!request.contact.empty()) entries.AddKey(PdfName("ContactInfo"), utf8(request.contact));
    if (!look.name.empty()) entries.AddKey(PdfName("Name"), utf8(look.name));
    if (request.certify)
        field->AddCertificationReference(document.GetCatalog(), PdfSignatureField::ePdfCertPermission_FormFill);

    fonts.embed();
    document.WriteUpdate(&signer, true);
    if (!signer.HasSignaturePosition()) throw DocumentError("PoDoFo did not write the signature placeholder");
    signer.AdjustByteRange();
    signer.Seek(0);
    std::string covered;
    covered.reserve(signer.GetLength());
    char chunk[65536];
    for (std::size_t n; (n = signer.ReadForSignature(chunk, sizeof chunk)) > 0;) covered.append(chunk, n);

    std::string cms = cades_detached(covered, credentials, request.tsa_url);
    if (cms.size() > reserved)
        throw DocumentError("the signature needs " + std::to_string(cms.size()) + " bytes, more than the " +
                            std::to_string(reserved) + " reserved (a long certificate chain?)");
    signer.SetSignature(PdfData(cms.data(), cms.size()));
    signer.Flush();
    return std::string(buffer.GetBuffer(), output.GetLength());
}

std::string describe(PdfError const& error) {
    std::string text = PdfError::ErrorMessage(error.GetError());
    if (text.empty()) text = PdfError::ErrorName(error.GetError());
    for (auto const& info : error.GetCallstack())
        if (!info.GetInformation().empty()) text += ": " + info.GetInformation();
    return text;
}

}  // namespace

std::string sign(std::string_view pdf, Credentials const& credentials, SignRequest const& request) {
    static std::once_flag quiet;
    std::call_once(quiet, [] { PdfError::EnableDebug(false); });
    try {
        return sign_with_podofo(pdf, credentials, request);
    } catch (PdfError const& error) {
        throw DocumentError("cannot sign the PDF: " + describe(error));
    }
}

}  // namespace signflow::documents
