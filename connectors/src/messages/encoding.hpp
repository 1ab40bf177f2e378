#pragma once
// Encodings the mail parts share (defined in messages/mime.cpp).
#include <cstddef>
#include <string>
#include <string_view>

namespace signflow::connectors::messages_detail {

// RFC 4648 base64; `line` > 0 breaks it into CRLF-separated lines of that length.
std::string base64(std::string_view bytes, std::size_t line = 76);

}  // namespace signflow::connectors::messages_detail

#include <nlohmann/json.hpp>

namespace signflow::connectors::messages_detail {

// The words of `notify NAME with …`: the string itself, an object's `text`
// or `message`, else the value as JSON (messages/delivery.cpp).
std::string notify_text(nlohmann::json const& payload);

// A delivery key made safe for a file name or a Message-ID's left part:
// letters, digits, '-', '_' and '.' kept, anything else '_'.
std::string sanitized(std::string const& key);

}  // namespace signflow::connectors::messages_detail
