#pragma once
// Small text helpers, each written once for the whole tree.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace signflow::base {

// Bytes as lowercase hex digits, two per byte.
std::string hex(std::string_view bytes);

// ASCII case-insensitive equality (HTTP header names and tokens, schemes).
bool iequals(std::string_view a, std::string_view b);

// Text made safe inside HTML elements and quoted attributes: & < > " '.
std::string html_escape(std::string_view text);

// The wall clock, in milliseconds since the Unix epoch.
std::int64_t now_ms();

}  // namespace signflow::base
