#include "log_text.hpp"

#include "signflow/base/utf8.hpp"

namespace signflow::app {

std::string log_escape(std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        auto c = static_cast<unsigned char>(text[i]);
        std::size_t n = base::utf8_length(text, i);
        if (n == 1 && c >= 0x20 && c != 0x7f) {
            out += static_cast<char>(c);
        } else if (n == 1) {
            if (c == '\n') out += "\\n";
            else if (c == '\r') out += "\\r";
            else if (c == '\t') out += "\\t";
            else out += {'\\', 'x', hex[c >> 4], hex[c & 15]};
        } else if (n == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
            auto cp = static_cast<unsigned char>(text[i + 1]);  // U+0080..U+009F: C1 controls
            out += {'\\', 'u', '0', '0', hex[cp >> 4], hex[cp & 15]};
        } else if (n > 1) {
            out.append(text.substr(i, n));
        } else {
            out += {'\\', 'x', hex[c >> 4], hex[c & 15]};
            n = 1;
        }
        i += n;
    }
    return out;
}

std::string log_lines(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t from = 0;
    while (true) {
        auto nl = text.find('\n', from);
        out += log_escape(text.substr(from, nl == std::string_view::npos ? std::string_view::npos : nl - from));
        if (nl == std::string_view::npos) break;
        out += "\n    ";
        from = nl + 1;
    }
    return out;
}

std::string loggable_target(std::string_view target) {
    constexpr std::string_view sign = "/sign/";
    constexpr std::size_t kept = 6;
    if (!target.starts_with(sign)) return log_escape(target);
    std::string_view rest = target.substr(sign.size());
    auto end = rest.find_first_of("/?#");
    std::string_view token = rest.substr(0, end);
    std::string shown(sign);
    shown += token.size() > kept ? std::string(token.substr(0, kept)) + "…" : std::string(token);
    if (end != std::string_view::npos) shown += rest.substr(end);
    return log_escape(shown);
}

}  // namespace signflow::app
