#include "form.hpp"

#include "signflow/base/utf8.hpp"

#include <cstdint>

namespace signflow::app::signing {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool decode(std::string_view in, std::string& out) {
    out.clear();
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%') {
            if (i + 2 >= in.size()) return false;
            int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
            if (hi < 0 || lo < 0) return false;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += c;
        }
    }
    return true;
}

}  // namespace

std::string const* Form::get(std::string_view name) const {
    for (auto const& [k, v] : fields)
        if (k == name) return &v;
    return nullptr;
}

bool valid_utf8(std::string_view s) { return base::utf8_valid(s); }

std::optional<Form> parse_form(std::string_view body, std::string& error, std::size_t max_fields) {
    Form form;
    std::size_t start = 0;
    while (start <= body.size()) {
        std::size_t end = body.find('&', start);
        if (end == std::string_view::npos) end = body.size();
        std::string_view pair = body.substr(start, end - start);
        if (!pair.empty()) {
            if (form.fields.size() == max_fields) {
                error = "too many form fields (at most " + std::to_string(max_fields) + ")";
                return std::nullopt;
            }
            std::size_t eq = pair.find('=');
            std::string name, value;
            if (!decode(pair.substr(0, eq), name) ||
                !decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), value)) {
                error = "a form field has a malformed %-escape";
                return std::nullopt;
            }
            if (!valid_utf8(name) || !valid_utf8(value)) {
                error = "a form field is not valid UTF-8";
                return std::nullopt;
            }
            form.fields.emplace_back(std::move(name), std::move(value));
        }
        if (end == body.size()) break;
        start = end + 1;
    }
    return form;
}

}  // namespace signflow::app::signing
