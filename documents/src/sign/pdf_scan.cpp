#include "sign/pdf_scan.hpp"

#include "signflow/base/utf8.hpp"

#include <charconv>
#include <cstring>

namespace signflow::documents::sign_detail {

namespace {

// Nesting deeper than this is a hostile file, not a signature.
constexpr int max_depth = 64;

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0'; }
bool is_delimiter(char c) {
    return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' || c == '}' ||
           c == '/' || c == '%';
}
bool is_regular(char c) { return !is_space(c) && !is_delimiter(c); }
int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

struct Parser {
    std::string_view in;
    std::size_t at = 0;

    void skip_space() {
        if (at > in.size()) at = in.size();
        while (at < in.size()) {
            if (is_space(in[at])) {
                ++at;
            } else if (in[at] == '%') {
                while (at < in.size() && in[at] != '\n' && in[at] != '\r') ++at;
            } else {
                break;
            }
        }
    }

    bool starts(std::string_view word) const { return at <= in.size() && in.substr(at, word.size()) == word; }

    // A bare token (number or keyword) at `at`.
    std::string_view token() {
        std::size_t start = at;
        while (at < in.size() && is_regular(in[at])) ++at;
        return in.substr(start, at - start);
    }

    bool parse(PdfValue& out, int depth) {
        if (depth > max_depth) return false;
        skip_space();
        if (at >= in.size()) return false;
        out.begin = at;
        char c = in[at];
        bool ok = false;
        if (c == '/') {
            ++at;
            out.kind = PdfValue::Kind::name;
            while (at < in.size() && is_regular(in[at])) {
                if (in[at] == '#' && at + 2 < in.size() && hex_value(in[at + 1]) >= 0 && hex_value(in[at + 2]) >= 0) {
                    out.text.push_back(static_cast<char>(hex_value(in[at + 1]) * 16 + hex_value(in[at + 2])));
                    at += 3;
                } else {
                    out.text.push_back(in[at++]);
                }
            }
            ok = true;
        } else if (c == '<' && at + 1 < in.size() && in[at + 1] == '<') {
            at += 2;
            out.kind = PdfValue::Kind::dictionary;
            ok = parse_dictionary(out, depth);
        } else if (c == '<') {
            ++at;
            out.kind = PdfValue::Kind::string;
            out.hex = true;
            ok = parse_hex(out.text);
        } else if (c == '(') {
            ++at;
            out.kind = PdfValue::Kind::string;
            ok = parse_literal(out.text);
        } else if (c == '[') {
            ++at;
            out.kind = PdfValue::Kind::array;
            ok = parse_array(out, depth);
        } else if (is_regular(c)) {
            auto word = token();
            if (word == "true" || word == "false") {
                out.kind = PdfValue::Kind::boolean;
                out.number = word == "true";
                ok = true;
            } else if (word == "null") {
                ok = true;
            } else {
                ok = parse_number(word, out.number);
                out.kind = PdfValue::Kind::number;
                if (ok) try_reference(out);
            }
        }
        out.end = at;
        return ok;
    }

    static bool parse_number(std::string_view word, double& value) {
        if (word.empty() || word.size() > 40) return false;
        if (word.front() == '+') word.remove_prefix(1);
        // from_chars for double is in libstdc++ 11+; accept "-.5" and "5." too.
        std::string text(word);
        if (text.find_first_not_of("+-.0123456789") != std::string::npos) return false;
        char* end = nullptr;
        value = std::strtod(text.c_str(), &end);
        return end == text.c_str() + text.size();
    }

    // "N G R": a reference, when an integer is followed by an integer and R.
    void try_reference(PdfValue& out) {
        if (out.number < 0 || out.number != static_cast<double>(static_cast<long>(out.number))) return;
        std::size_t saved = at;
        skip_space();
        auto generation = token();
        long g = 0;
        auto [p, ec] = std::from_chars(generation.data(), generation.data() + generation.size(), g);
        if (!generation.empty() && ec == std::errc{} && p == generation.data() + generation.size()) {
            skip_space();
            if (token() == "R") {
                out.kind = PdfValue::Kind::reference;
                out.object = static_cast<long>(out.number);
                out.generation = g;
                return;
            }
        }
        at = saved;
    }

    bool parse_dictionary(PdfValue& out, int depth) {
        for (;;) {
            skip_space();
            if (at + 1 < in.size() && in[at] == '>' && in[at + 1] == '>') {
                at += 2;
                return true;
            }
            PdfValue key;
            if (!parse(key, depth + 1) || !key.is(PdfValue::Kind::name)) return false;
            PdfValue value;
            if (!parse(value, depth + 1)) return false;
            out.entries.push_back({std::move(key.text), std::move(value)});
        }
    }

    bool parse_array(PdfValue& out, int depth) {
        for (;;) {
            skip_space();
            if (at < in.size() && in[at] == ']') {
                ++at;
                return true;
            }
            PdfValue item;
            if (!parse(item, depth + 1)) return false;
            out.items.push_back(std::move(item));
        }
    }

    bool parse_hex(std::string& out) {
        int high = -1;
        for (; at < in.size(); ++at) {
            char c = in[at];
            if (c == '>') {
                ++at;
                if (high >= 0) out.push_back(static_cast<char>(high << 4));
                return true;
            }
            if (is_space(c)) continue;
            int v = hex_value(c);
            if (v < 0) return false;
            if (high < 0) {
                high = v;
            } else {
                out.push_back(static_cast<char>(high * 16 + v));
                high = -1;
            }
        }
        return false;
    }

    bool parse_literal(std::string& out) {
        int nesting = 1;
        while (at < in.size()) {
            char c = in[at++];
            if (c == '\\') {
                if (at >= in.size()) return false;
                char e = in[at++];
                switch (e) {
                    case 'n': out.push_back('\n'); break;
                    case 'r': out.push_back('\r'); break;
                    case 't': out.push_back('\t'); break;
                    case 'b': out.push_back('\b'); break;
                    case 'f': out.push_back('\f'); break;
                    case '\r':
                        if (at < in.size() && in[at] == '\n') ++at;
                        break;
                    case '\n': break;
                    default:
                        if (e >= '0' && e <= '7') {
                            int value = e - '0';
                            for (int k = 0; k < 2 && at < in.size() && in[at] >= '0' && in[at] <= '7'; ++k)
                                value = value * 8 + (in[at++] - '0');
                            out.push_back(static_cast<char>(value & 0xff));
                        } else {
                            out.push_back(e);
                        }
                }
            } else if (c == '(') {
                ++nesting;
                out.push_back(c);
            } else if (c == ')') {
                if (--nesting == 0) return true;
                out.push_back(c);
            } else {
                out.push_back(c);
            }
        }
        return false;
    }
};

// The object header "N G obj" ending just before `obj_at`, if there is one.
bool header_before(std::string_view in, std::size_t obj_at, long& number, long& generation) {
    std::size_t i = obj_at;
    auto digits_back = [&](long& value) {
        std::size_t end = i;
        while (i > 0 && in[i - 1] >= '0' && in[i - 1] <= '9' && end - i < 10) --i;
        if (i == end) return false;
        auto [p, ec] = std::from_chars(in.data() + i, in.data() + end, value);
        return ec == std::errc{} && p == in.data() + end;
    };
    auto space_back = [&] {
        std::size_t end = i;
        while (i > 0 && is_space(in[i - 1])) --i;
        return i != end;
    };
    if (!space_back() || !digits_back(generation) || !space_back() || !digits_back(number)) return false;
    return i == 0 || !is_regular(in[i - 1]);
}

}  // namespace

PdfValue const* PdfValue::get(std::string_view key) const {
    PdfValue const* found = nullptr;
    for (auto const& [name, value] : entries)
        if (name == key) found = &value;
    return found;
}

std::vector<PdfIndirectObject> scan_objects(std::string_view pdf) {
    std::vector<PdfIndirectObject> objects;
    std::size_t from = 0;
    while (from < pdf.size()) {
        std::size_t obj_at = pdf.find("obj", from);
        if (obj_at == std::string_view::npos) break;
        from = obj_at + 3;
        if (obj_at > 0 && pdf[obj_at - 1] == 'd') continue;  // "endobj"
        if (from < pdf.size() && is_regular(pdf[from])) continue;
        PdfIndirectObject object;
        if (!header_before(pdf, obj_at, object.number, object.generation)) continue;
        Parser parser{pdf, from};
        if (!parser.parse(object.value, 0)) continue;
        from = parser.at;
        parser.skip_space();
        if (parser.starts("stream")) {
            // Skip the data: by a direct /Length when it lands on
            // "endstream", else by searching for it.
            std::size_t data = parser.at + 6;
            if (data < pdf.size() && pdf[data] == '\r') ++data;
            if (data < pdf.size() && pdf[data] == '\n') ++data;
            std::size_t next = std::string_view::npos;
            if (auto const* length = object.value.get("Length"); length && length->is(PdfValue::Kind::number) &&
                                                                   length->number >= 0 &&
                                                                   length->number < static_cast<double>(pdf.size())) {
                Parser after{pdf, data + static_cast<std::size_t>(length->number)};
                after.skip_space();
                if (after.starts("endstream")) next = after.at + 9;
            }
            if (next == std::string_view::npos) {
                auto end = pdf.find("endstream", data);
                next = end == std::string_view::npos ? pdf.size() : end + 9;
            }
            from = next;
        }
        objects.push_back(std::move(object));
    }
    return objects;
}

std::string text_string_utf8(std::string const& bytes) {
    if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0xfe && static_cast<unsigned char>(bytes[1]) == 0xff) {
        std::string out;
        for (std::size_t i = 2; i + 1 < bytes.size(); i += 2) {
            unsigned code = (static_cast<unsigned char>(bytes[i]) << 8) | static_cast<unsigned char>(bytes[i + 1]);
            if (code >= 0xd800 && code < 0xdc00 && i + 3 < bytes.size()) {
                unsigned low = (static_cast<unsigned char>(bytes[i + 2]) << 8) | static_cast<unsigned char>(bytes[i + 3]);
                if (low >= 0xdc00 && low < 0xe000) {
                    code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
                    i += 2;
                }
            }
            base::utf8_append(out, code);
        }
        return out;
    }
    // PDFDocEncoding agrees with Latin-1 where names are concerned.
    std::string out;
    for (unsigned char c : bytes) {
        base::utf8_append(out, c);
    }
    return out;
}

}  // namespace signflow::documents::sign_detail
