#include "attach/pdf_prescan.hpp"

#include <zlib.h>

#include <string>

namespace signflow::documents::attach {

namespace {

bool whitespace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0'; }

bool delimiter(char c) {
    return whitespace(c) || c == '/' || c == '<' || c == '>' || c == '[' || c == ']' || c == '(' || c == ')' ||
           c == '{' || c == '}' || c == '%';
}

int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Inflates a zlib stream starting at `data` until its end, an error, or the
// budget; returns what came out (corrupt data: what came out before; PoDoFo
// will refuse the stream itself).
std::string inflate_from(std::string_view data, std::size_t& budget, bool& over_budget) {
    std::string out;
    z_stream z{};
    if (inflateInit(&z) != Z_OK) return out;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(std::min<std::size_t>(data.size(), 0x7FFFFFFF));
    char chunk[16384];
    int status = Z_OK;
    while (status == Z_OK) {
        z.next_out = reinterpret_cast<Bytef*>(chunk);
        z.avail_out = sizeof chunk;
        status = inflate(&z, Z_NO_FLUSH);
        std::size_t produced = sizeof chunk - z.avail_out;
        if (produced > budget) {
            over_budget = true;
            break;
        }
        budget -= produced;
        out.append(chunk, produced);
        if (status == Z_BUF_ERROR && z.avail_in == 0) break;  // cut short: scan what there is
    }
    inflateEnd(&z);
    return out;
}

class Lexer {
public:
    Lexer(Prescan& result, std::size_t& budget, bool inside_object_stream)
        : result_(result), budget_(budget), inside_(inside_object_stream) {}

    void scan(std::string_view b) {
        int depth = 0;
        bool next_stream_is_objstm = false;
        bool next_stream_is_flate = false;
        bool next_stream_is_filtered = false;
        std::size_t i = 0;
        while (i < b.size()) {
            char c = b[i];
            if (c == '%') {  // comment to end of line
                while (i < b.size() && b[i] != '\n' && b[i] != '\r') ++i;
            } else if (c == '(') {  // literal string: balanced parentheses, backslash escapes
                int parens = 0;
                for (; i < b.size(); ++i) {
                    if (b[i] == '\\') ++i;
                    else if (b[i] == '(') ++parens;
                    else if (b[i] == ')' && --parens == 0) break;
                }
                ++i;
            } else if (c == '<' && i + 1 < b.size() && b[i + 1] == '<') {
                result_.deepest = std::max(result_.deepest, ++depth);
                i += 2;
            } else if (c == '>' && i + 1 < b.size() && b[i + 1] == '>') {
                depth = std::max(0, depth - 1);
                i += 2;
            } else if (c == '<') {  // hex string
                while (i < b.size() && b[i] != '>') ++i;
                ++i;
            } else if (c == '[') {
                result_.deepest = std::max(result_.deepest, ++depth);
                ++i;
            } else if (c == ']') {
                depth = std::max(0, depth - 1);
                ++i;
            } else if (c == '/') {
                std::string name;
                for (++i; i < b.size() && !delimiter(b[i]); ++i) {
                    char n = b[i];
                    if (n == '#' && i + 2 < b.size() && hex(b[i + 1]) >= 0 && hex(b[i + 2]) >= 0) {
                        n = static_cast<char>(hex(b[i + 1]) * 16 + hex(b[i + 2]));
                        i += 2;
                    }
                    if (name.size() < 32) name.push_back(n);
                }
                if (name == "Encrypt") result_.encrypted = true;
                else if (name == "ObjStm") next_stream_is_objstm = true;
                else if (name == "FlateDecode" || name == "Fl") next_stream_is_flate = true;
                else if (name == "Filter") next_stream_is_filtered = true;
            } else if (!delimiter(c)) {
                std::size_t start = i;
                while (i < b.size() && !delimiter(b[i])) ++i;
                std::string_view word = b.substr(start, i - start);
                // No reset of the depth at "obj": "<<" × 200, obj, "<<" × 200
                // must count as 400; a sound file is balanced between objects.
                if (word == "stream") {
                    // Data starts after the end of line; it ends at endstream
                    // (PoDoFo trusts /Length; finding the keyword is enough
                    // to skip binary data here).
                    std::size_t data = i;
                    if (data < b.size() && b[data] == '\r') ++data;
                    if (data < b.size() && b[data] == '\n') ++data;
                    std::size_t end = b.find("endstream", data);
                    if (end == std::string_view::npos) end = b.size();
                    if (next_stream_is_objstm && !inside_) {
                        if (!next_stream_is_filtered) {
                            Lexer(result_, budget_, true).scan(b.substr(data, end - data));
                        } else if (!next_stream_is_flate) {
                            result_.object_stream_unreadable = true;
                        } else {
                            std::string objects = inflate_from(b.substr(data), budget_, result_.budget_exceeded);
                            Lexer inner(result_, budget_, true);
                            inner.scan(objects);
                        }
                    }
                    next_stream_is_objstm = next_stream_is_flate = next_stream_is_filtered = false;
                    i = end + 9;
                } else if (word == "endobj") {
                    next_stream_is_objstm = next_stream_is_flate = next_stream_is_filtered = false;
                }
            } else {
                ++i;
            }
        }
    }

private:
    Prescan& result_;
    std::size_t& budget_;
    bool inside_;
};

}  // namespace

Prescan prescan_pdf(std::string_view bytes, std::size_t inflate_budget) {
    Prescan result;
    Lexer(result, inflate_budget, false).scan(bytes);
    return result;
}

}  // namespace signflow::documents::attach
