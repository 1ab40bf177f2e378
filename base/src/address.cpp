#include "signflow/base/address.hpp"

namespace signflow::base {

namespace {

bool ascii_letter_or_digit(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::string label_problem(std::string_view label) {
    if (label.empty()) return "its domain has an empty label (`..`, or a `.` at an end)";
    if (label.size() > 63) return "a label of its domain is longer than 63 characters";
    if (label.front() == '-' || label.back() == '-') return "a label of its domain starts or ends with `-`";
    for (unsigned char c : label)
        if (!ascii_letter_or_digit(c) && c != '-' && c != '_' && c < 0x80)
            return std::string("its domain holds `") + static_cast<char>(c) + "`";
    return {};
}

}  // namespace

std::string email_problem(std::string_view address) {
    if (address.empty()) return "it is empty";
    if (address.size() > 254) return "it is longer than 254 characters";
    auto at = address.rfind('@');
    if (at == std::string_view::npos) return "it has no `@`";
    std::string_view local = address.substr(0, at), domain = address.substr(at + 1);
    if (local.empty()) return "nothing comes before the `@`";
    if (domain.empty()) return "nothing comes after the `@`";
    if (local.size() > 64) return "the part before the `@` is longer than 64 characters";
    for (unsigned char c : local) {
        if (c <= 0x20 || c == 0x7f) return "it holds a space or a control character";
        if (std::string_view("\"<>()[],;:\\@").find(static_cast<char>(c)) != std::string_view::npos)
            return std::string("the part before the `@` holds `") + static_cast<char>(c) + "`";
    }
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
        return "the part before the `@` starts or ends with `.`, or holds `..`";
    // An address literal (`user@[192.0.2.7]`) as it is; a name, label by
    // label (a name without a dot is a host on the local network).
    if (domain.front() == '[') {
        if (domain.back() != ']' || domain.size() < 3) return "its domain starts with `[` and does not end with `]`";
        for (char c : domain.substr(1, domain.size() - 2))
            if (!ascii_letter_or_digit(static_cast<unsigned char>(c)) && c != '.' && c != ':')
                return std::string("its address literal holds `") + c + "`";
        return {};
    }
    for (std::size_t start = 0;;) {
        auto dot = domain.find('.', start);
        if (auto why = label_problem(domain.substr(start, dot - start)); !why.empty()) return why;
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return {};
}

std::string phone_problem(std::string_view number) {
    std::size_t digits = 0;
    for (std::size_t i = 0; i < number.size(); ++i) {
        char c = number[i];
        if (c >= '0' && c <= '9') ++digits;
        else if (c == '+' && i == 0) continue;
        else if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') continue;
        else return std::string("it holds `") + (static_cast<unsigned char>(c) < 0x20 ? '?' : c) + "`";
    }
    if (digits < 7) return "it has fewer than 7 digits";
    if (digits > 15) return "it has more than 15 digits";
    return {};
}

}  // namespace signflow::base
