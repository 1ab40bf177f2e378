#pragma once
// HTML form bodies (application/x-www-form-urlencoded): what the signing
// page's forms post. Untrusted input: fuzzed by tests/fuzz/form_fuzzer.cpp.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace signflow::app::signing {

struct Form {
    std::vector<std::pair<std::string, std::string>> fields;
    // The first value of `name`, or null.
    std::string const* get(std::string_view name) const;
};

// Parses `name=value&…` ('+' is a space, %XX a byte). Nullopt, with `error`
// set, for a malformed escape, more than `max_fields` fields, or a name or
// value that is not valid UTF-8.
std::optional<Form> parse_form(std::string_view body, std::string& error, std::size_t max_fields = 64);

bool valid_utf8(std::string_view s);

}  // namespace signflow::app::signing
