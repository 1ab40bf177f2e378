// Drawing filled values. Streams are written by hand (a few operators, not
// PdfPainter) and stored unfiltered: an appearance is a few hundred bytes,
// and starting a zlib compressor per field costs more than it saves (FACTS.md:
// the compressor's buffers were the largest single cost of a fill).
#include "form/appearance.hpp"

#include "font_files.hpp"
#include "form/text.hpp"
#include "signflow/documents/error.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <vector>

namespace signflow::documents::form_detail {

using namespace PoDoFo;

namespace {

// The embedded fonts, in the order they are tried for a character Helvetica
// cannot show. DejaVu Sans covers Latin, Greek and Cyrillic; Droid Sans
// Fallback covers CJK. Both ship in Debian (fonts-dejavu-core, fonts-droid-fallback).
struct FontFile {
    char const* path;
    char const* resource;  // the name in the appearance's /Resources
    char const* prefix;    // the subset tag of the embedded font's name
};
constexpr std::array<FontFile, 2> font_files{{
    {fonts::latin, "SfDejaVu", "SGNFDV+"},
    {fonts::cjk, "SfDroid", "SGNFDR+"},
}};

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", v);
    std::string s(buf);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    if (s == "-0") s = "0";
    return s;
}

double real(PdfObject const& o) {
    if (o.IsReal()) return o.GetReal();
    if (o.IsNumber()) return static_cast<double>(o.GetNumber());
    return 0;
}

struct Box {
    double w = 0, h = 0;
};

Box box_of(PdfObject* widget) {
    PdfObject* rect = widget->GetIndirectKey("Rect");
    if (!rect || !rect->IsArray() || rect->GetArray().size() < 4) return {};
    auto const& a = rect->GetArray();
    return {std::fabs(real(a[2]) - real(a[0])), std::fabs(real(a[3]) - real(a[1]))};
}

// /MK /BG and /BC colours as fill / stroke operators ("" when absent).
std::string colour(PdfObject* mk, char const* key, bool stroke) {
    if (!mk || !mk->IsDictionary()) return {};
    PdfObject* c = mk->GetIndirectKey(key);
    if (!c || !c->IsArray()) return {};
    auto const& a = c->GetArray();
    std::string ops;
    for (auto const& x : a) ops += num(real(x)) + " ";
    if (a.size() == 1) return ops + (stroke ? "G" : "g");
    if (a.size() == 3) return ops + (stroke ? "RG" : "rg");
    if (a.size() == 4) return ops + (stroke ? "K" : "k");
    return {};
}

std::string literal(std::string_view bytes) {
    std::string out = "(";
    for (char ch : bytes) {
        auto b = static_cast<unsigned char>(ch);
        if (ch == '(' || ch == ')' || ch == '\\') {
            out += '\\';
            out += ch;
        } else if (b < 32 || b > 126) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\%03o", b);
            out += buf;
        } else {
            out += ch;
        }
    }
    return out + ")";
}

}  // namespace

TextStyle style_of(PdfObject* field, PdfObject* widget, PdfObject* acroform, long flags) {
    TextStyle style;
    style.multiline = (flags & (1L << 12)) != 0;
    PdfObject* da = widget->GetIndirectKey("DA");
    for (PdfObject* f = field; !da && f; f = f->GetIndirectKey("Parent")) da = f->GetIndirectKey("DA");
    if (!da && acroform) da = acroform->GetIndirectKey("DA");
    if (da && (da->IsString() || da->IsHexString())) {
        std::istringstream in(da->GetString().GetStringUtf8());
        std::vector<std::string> tokens{std::istream_iterator<std::string>(in), std::istream_iterator<std::string>()};
        std::string colour_ops;
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            auto const& t = tokens[i];
            if (t == "Tf" && i >= 1) style.size = std::atof(tokens[i - 1].c_str());
            std::size_t n = t == "g" ? 1 : t == "rg" ? 3 : t == "k" ? 4 : 0;
            if (n && i >= n) {
                colour_ops.clear();
                for (std::size_t k = i - n; k <= i; ++k) colour_ops += tokens[k] + (k == i ? "" : " ");
            }
        }
        if (!colour_ops.empty()) style.color = colour_ops;
    }
    PdfObject* q = widget->GetIndirectKey("Q");
    for (PdfObject* f = field; !q && f; f = f->GetIndirectKey("Parent")) q = f->GetIndirectKey("Q");
    if (!q && acroform) q = acroform->GetIndirectKey("Q");
    if (q && q->IsNumber()) style.quadding = static_cast<int>(q->GetNumber());
    if (style.size < 0 || style.size > 200) style.size = 0;
    return style;
}

struct AppearanceWriter::Impl {
    PdfMemDocument& doc;
    FT_Library library;  // the document's FreeType instance; metrics keep a pointer to this member
    PdfObject* helvetica = nullptr;
    PdfObject* zapf = nullptr;
    // Per embedded font: metrics made on first need (to test coverage), the
    // font object once a glyph from it is drawn.
    std::array<PdfFontMetricsFreetype*, font_files.size()> metrics{};
    std::array<std::unique_ptr<PdfFont>, font_files.size()> fonts{};
    std::array<bool, font_files.size()> missing{};

    explicit Impl(PdfMemDocument& d) : doc(d), library(d.GetFontLibrary()) {}
    ~Impl() {
        for (std::size_t i = 0; i < metrics.size(); ++i)
            if (metrics[i] && !fonts[i]) delete metrics[i];  // a font owns its metrics
    }

    PdfObject* helvetica_font() {
        if (!helvetica) {
            helvetica = doc.GetObjects().CreateObject("Font");
            auto& d = helvetica->GetDictionary();
            d.AddKey("Subtype", PdfName("Type1"));
            d.AddKey("BaseFont", PdfName("Helvetica"));
            d.AddKey("Encoding", PdfName("WinAnsiEncoding"));
        }
        return helvetica;
    }

    PdfObject* zapf_font() {
        if (!zapf) {
            zapf = doc.GetObjects().CreateObject("Font");
            auto& d = zapf->GetDictionary();
            d.AddKey("Subtype", PdfName("Type1"));
            d.AddKey("BaseFont", PdfName("ZapfDingbats"));
        }
        return zapf;
    }

    PdfFontMetricsFreetype* metrics_of(std::size_t which) {
        if (metrics[which] || missing[which]) return metrics[which];
        PdfRefCountedBuffer const* bytes = fonts::file_bytes(font_files[which].path);
        if (!bytes) {
            missing[which] = true;
            return nullptr;
        }
        metrics[which] = new PdfFontMetricsFreetype(&library, *bytes, false, font_files[which].prefix);
        return metrics[which];
    }

    PdfFont* font_of(std::size_t which) {
        if (!fonts[which]) {
            // A TrueType font with the identity encoding and the subsetting
            // flag becomes a subset CID font (Type0, Identity-H, ToUnicode).
            PdfFont* font = PdfFontFactory::CreateFontObject(metrics_of(which), ePdfFont_Subsetting,
                                                             PdfEncodingFactory::GlobalIdentityEncodingInstance(),
                                                             &doc.GetObjects());
            if (!font) {
                metrics[which] = nullptr;  // the factory deleted it
                throw DocumentError(std::string("cannot embed the font ") + font_files[which].path);
            }
            fonts[which].reset(font);
        }
        return fonts[which].get();
    }

    // A run of text in one font: 0 is Helvetica, 1.. the embedded fonts.
    struct Run {
        std::size_t font = 0;
        std::u32string text;
        double width = 0;  // in 1/1000 of the size
    };

    std::size_t font_for(char32_t c) {
        if (winansi_byte(c) >= 0) return 0;
        for (std::size_t i = 0; i < font_files.size(); ++i)
            if (auto* m = metrics_of(i); m && m->GetGlyphId(static_cast<long>(c)) != 0) return i + 1;
        return 0;  // no font has it: shown as '?'
    }

    double width_of(std::size_t font, char32_t c) {
        if (font == 0) {
            int b = winansi_byte(c);
            return helvetica_width(static_cast<unsigned char>(b < 0 ? '?' : b));
        }
        auto* m = metrics_of(font - 1);
        return m->GetGlyphWidth(static_cast<int>(m->GetGlyphId(static_cast<long>(c))));  // 1/1000 em
    }

    std::vector<Run> shape(std::u32string const& text) {
        std::vector<Run> runs;
        for (char32_t c : text) {
            if (c > 0xFFFF) c = 0xFFFD;  // PoDoFo 0.9.8 encodes the BMP only
            if (c < 0x20) c = ' ';
            std::size_t f = font_for(c);
            if (runs.empty() || runs.back().font != f) runs.push_back({f, {}, 0});
            runs.back().text.push_back(c);
            runs.back().width += width_of(f, c);
        }
        return runs;
    }

    static double width(std::vector<Run> const& runs) {
        double w = 0;
        for (auto const& r : runs) w += r.width;
        return w;
    }

    // Operators that show `runs` at size `size`; notes the fonts used.
    std::string show(std::vector<Run> const& runs, double size, std::vector<std::size_t>& used) {
        std::string ops;
        for (auto const& r : runs) {
            if (std::find(used.begin(), used.end(), r.font) == used.end()) used.push_back(r.font);
            if (r.font == 0) {
                std::string bytes;
                for (char32_t c : r.text) {
                    int b = winansi_byte(c);
                    bytes += static_cast<char>(b < 0 ? '?' : b);
                }
                ops += "/Helv " + num(size) + " Tf " + literal(bytes) + " Tj ";
                continue;
            }
            PdfFont* font = font_of(r.font - 1);
            std::string utf8 = encode_utf8(r.text);
            PdfString s(reinterpret_cast<pdf_utf8 const*>(utf8.c_str()));
            font->AddUsedSubsettingGlyphs(s, s.GetCharacterLength());
            auto const* m = font->GetFontMetrics();
            std::string hex;
            char buf[8];
            for (char32_t c : r.text) {
                std::snprintf(buf, sizeof buf, "%04lX", static_cast<unsigned long>(m->GetGlyphId(static_cast<long>(c)) & 0xFFFF));
                hex += buf;
            }
            ops += std::string("/") + font_files[r.font - 1].resource + " " + num(size) + " Tf <" + hex + "> Tj ";
        }
        return ops;
    }

    // Breaks text into lines no wider than `max` (1/1000 of the size units
    // times size), at spaces when it can, inside a word when it must.
    std::vector<std::vector<Run>> wrap(std::u32string const& text, double max_width, double size) {
        std::vector<std::vector<Run>> lines;
        std::size_t start = 0;
        while (start <= text.size()) {
            std::size_t nl = text.find(U'\n', start);
            std::u32string para = text.substr(start, nl == std::u32string::npos ? std::u32string::npos : nl - start);
            if (!para.empty() && para.back() == U'\r') para.pop_back();
            while (true) {
                // The longest prefix that fits.
                double w = 0;
                std::size_t fit = 0, last_space = std::u32string::npos;
                for (; fit < para.size(); ++fit) {
                    char32_t c = para[fit] > 0xFFFF ? 0xFFFD : para[fit];
                    double cw = width_of(font_for(c), c) * size / 1000.0;
                    if (w + cw > max_width && fit > 0) break;
                    if (c == U' ') last_space = fit;
                    w += cw;
                }
                if (fit >= para.size()) {
                    lines.push_back(shape(para));
                    break;
                }
                std::size_t cut = last_space != std::u32string::npos && last_space > 0 ? last_space : fit;
                lines.push_back(shape(para.substr(0, cut)));
                para = para.substr(cut);
                while (!para.empty() && para.front() == U' ') para.erase(0, 1);
                if (para.empty()) break;
            }
            if (nl == std::u32string::npos) break;
            start = nl + 1;
        }
        return lines;
    }

    PdfObject* form_xobject(Box const& box, std::string const& content, std::vector<std::size_t> const& used) {
        PdfObject* xo = doc.GetObjects().CreateObject("XObject");
        auto& d = xo->GetDictionary();
        d.AddKey("Subtype", PdfName("Form"));
        PdfArray bbox;
        bbox.push_back(PdfObject(0.0));
        bbox.push_back(PdfObject(0.0));
        bbox.push_back(PdfObject(box.w));
        bbox.push_back(PdfObject(box.h));
        d.AddKey("BBox", bbox);
        PdfDictionary font_dict;
        for (std::size_t f : used) {
            if (f == 0)
                font_dict.AddKey("Helv", helvetica_font()->Reference());
            else if (f == 100)
                font_dict.AddKey("ZaDb", zapf_font()->Reference());
            else
                font_dict.AddKey(font_files[f - 1].resource, font_of(f - 1)->GetObject()->Reference());
        }
        PdfDictionary resources;
        if (!used.empty()) resources.AddKey("Font", font_dict);
        d.AddKey("Resources", resources);
        xo->GetStream()->Set(content.data(), static_cast<pdf_long>(content.size()), TVecFilters{});
        return xo;
    }

    std::string frame(PdfObject* widget, Box const& box, double& inset) {
        PdfObject* mk = widget->GetIndirectKey("MK");
        std::string ops;
        if (auto bg = colour(mk, "BG", false); !bg.empty())
            ops += bg + " 0 0 " + num(box.w) + " " + num(box.h) + " re f\n";
        double bw = 1;
        if (PdfObject* bs = widget->GetIndirectKey("BS"); bs && bs->IsDictionary())
            if (PdfObject* w = bs->GetIndirectKey("W"); w && (w->IsNumber() || w->IsReal())) bw = real(*w);
        if (auto bc = colour(mk, "BC", true); !bc.empty() && bw > 0) {
            ops += bc + " " + num(bw) + " w " + num(bw / 2) + " " + num(bw / 2) + " " + num(box.w - bw) + " " +
                   num(box.h - bw) + " re S\n";
            inset = bw;
        } else {
            inset = 0;
        }
        return ops;
    }

    void draw_text(PdfObject* widget, std::u32string const& text, TextStyle const& style) {
        Box box = box_of(widget);
        if (box.w <= 0 || box.h <= 0) return;  // a hidden widget: nothing to draw
        double inset = 0;
        std::string content = frame(widget, box, inset);
        double pad = inset + 2;
        double avail_w = std::max(1.0, box.w - 2 * pad), avail_h = std::max(1.0, box.h - 2 * inset);
        std::vector<std::size_t> used;
        std::string body;
        if (!style.multiline) {
            auto runs = shape(text);
            double size = style.size > 0 ? style.size : std::min(12.0, std::max(4.0, (avail_h - 2) / 1.15));
            double w = width(runs) * size / 1000.0;
            if (w > avail_w) {  // shrink rather than cut a value off
                size = std::max(4.0, size * avail_w / w);
                w = width(runs) * size / 1000.0;
            }
            double x = pad + (style.quadding == 1 ? (avail_w - w) / 2 : style.quadding == 2 ? avail_w - w : 0);
            double y = (box.h - size * 0.78) / 2 + size * 0.08;
            body = "1 0 0 1 " + num(x) + " " + num(y) + " Tm " + show(runs, size, used) + "\n";
        } else {
            double size = style.size > 0 ? style.size : 10;
            std::vector<std::vector<Run>> lines;
            for (;;) {
                lines = wrap(text, avail_w, size);
                if (lines.size() * size * 1.15 <= avail_h - 2 || size <= 4) break;
                size = std::max(4.0, size - 0.5);
            }
            double y = box.h - pad - size * 0.9;
            for (auto const& line : lines) {
                double w = width(line) * size / 1000.0;
                double x = pad + (style.quadding == 1 ? (avail_w - w) / 2 : style.quadding == 2 ? avail_w - w : 0);
                body += "1 0 0 1 " + num(x) + " " + num(y) + " Tm " + show(line, size, used) + "\n";
                y -= size * 1.15;
            }
        }
        content += "/Tx BMC\nq " + num(inset) + " " + num(inset) + " " + num(box.w - 2 * inset) + " " +
                   num(box.h - 2 * inset) + " re W n\nBT " + style.color + "\n" + body + "ET\nQ\nEMC\n";
        PdfObject* xo = form_xobject(box, content, used);
        PdfDictionary ap;
        ap.AddKey("N", xo->Reference());
        widget->GetDictionary().AddKey("AP", ap);
    }

    void ensure_check_appearance(PdfObject* widget, std::string const& on_state, bool radio) {
        PdfObject* ap = widget->GetIndirectKey("AP");
        if (ap && ap->IsDictionary())
            if (PdfObject* n = ap->GetIndirectKey("N"); n && n->IsDictionary() && n->GetDictionary().HasKey(on_state))
                return;
        Box box = box_of(widget);
        if (box.w <= 0 || box.h <= 0) return;
        double inset = 0;
        std::string frame_ops = frame(widget, box, inset);
        double size = std::min(box.w, box.h) * 0.8;
        std::string glyph = radio ? "(l)" : "(4)";  // ZapfDingbats: a dot, a check mark
        double gw = radio ? 0.791 : 0.846;         // their widths in 1/1000 em, over 1000
        std::string on = frame_ops + "q 0 g BT /ZaDb " + num(size) + " Tf 1 0 0 1 " + num((box.w - gw * size) / 2) +
                         " " + num((box.h - size * 0.7) / 2) + " Tm " + glyph + " Tj ET Q\n";
        PdfObject* on_xo = form_xobject(box, on, {100});
        PdfObject* off_xo = form_xobject(box, frame_ops, {});
        PdfDictionary normal;
        normal.AddKey(PdfName(on_state), on_xo->Reference());
        normal.AddKey("Off", off_xo->Reference());
        PdfDictionary dict;
        dict.AddKey("N", normal);
        widget->GetDictionary().AddKey("AP", dict);
    }
};

AppearanceWriter::AppearanceWriter(PdfMemDocument& doc) : impl_(std::make_unique<Impl>(doc)) {}
AppearanceWriter::~AppearanceWriter() = default;

void AppearanceWriter::draw_text(PdfObject* widget, std::u32string const& text, TextStyle const& style) {
    impl_->draw_text(widget, text, style);
}

void AppearanceWriter::ensure_check_appearance(PdfObject* widget, std::string const& on_state, bool radio) {
    impl_->ensure_check_appearance(widget, on_state, radio);
}

void AppearanceWriter::finish() {
    for (auto& f : impl_->fonts)
        if (f) f->EmbedSubsetFont();
}

}  // namespace signflow::documents::form_detail
