// libFuzzer target: an HTML form body (application/x-www-form-urlencoded),
// which anyone holding a signing link posts to the daemon. parse_form must
// answer any bytes without crashing; whatever it accepts is valid UTF-8,
// within the field limit, and encoding the fields back parses to the same
// fields.
#include "serve/signing/form.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

std::string encode(std::string const& s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')
            out += static_cast<char>(c);
        else
            out += '%', out += hex[c >> 4], out += hex[c & 15];
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string body(reinterpret_cast<char const*>(data), size);
    std::string error;
    auto form = signflow::app::signing::parse_form(body, error, 16);
    if (!form) {
        if (error.empty()) std::abort();
        return 0;
    }
    if (form->fields.size() > 16) std::abort();
    std::string again;
    for (auto const& [k, v] : form->fields) {
        if (!signflow::app::signing::valid_utf8(k) || !signflow::app::signing::valid_utf8(v)) std::abort();
        if (!again.empty()) again += '&';
        again += encode(k) + "=" + encode(v);
    }
    auto round = signflow::app::signing::parse_form(again, error, 16);
    // A field with an empty name and value ("=") is dropped only when the
    // pair itself is empty; every decoded pair survives the round trip.
    if (!round) std::abort();
    if (round->fields.size() != form->fields.size()) std::abort();
    for (std::size_t i = 0; i < form->fields.size(); ++i)
        if (round->fields[i] != form->fields[i]) std::abort();
    return 0;
}
