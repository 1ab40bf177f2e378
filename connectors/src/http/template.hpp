#pragma once
// Request templates of the http connector: a URL, header values and a body
// written in the configuration with placeholders that name a value of the
// delivery.
//
//     body = { properties = { amount = "{{ data.amount }}", dealstage = "closedwon",
//                             description = "Signed in envelope {{ envelope.id }}" } }
//
// A string that is exactly one placeholder becomes the value at that path,
// whatever its JSON type (a number stays a number, an object an object); a
// placeholder with text around it is replaced by the value's text. Paths are
// dotted, array elements by index (`data.items.0.sku`). A path with no value
// is an error naming the placeholder: the delivery fails permanently rather
// than sending a half-filled request to a business system.
#include <nlohmann/json.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace signflow::connectors::http {

class TemplateError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// How an interpolated value is written into the text around it.
enum class Escape {
    none,      // as is (bodies, headers)
    url_path,  // percent-encoded (URLs: an id with a slash stays one segment)
};

// Every string in `tmpl`, at any depth, with its placeholders replaced.
nlohmann::json render(nlohmann::json const& tmpl, nlohmann::json const& context);
std::string interpolate(std::string const& text, nlohmann::json const& context, Escape escape = Escape::none);

// The first syntax problem in a template (an unclosed `{{`, an empty or
// malformed path), checked when the configuration loads; nullopt when none.
std::optional<std::string> check_template(nlohmann::json const& tmpl);

// Every placeholder replaced with `x`: the text parse_url can check when
// the configuration loads, before any delivery fills it.
std::string with_stand_ins(std::string text);

// application/x-www-form-urlencoded, the way Stripe's API reads nested
// values: {"metadata": {"envelope": 7}, "items": ["a"]} gives
// "metadata[envelope]=7&items[0]=a". Null is written as an empty value.
std::string form_encode(nlohmann::json const& object);

// RFC 3986 unreserved characters kept, everything else %XX; `form` writes a
// space as '+' (the form encoding's rule).
std::string percent_encode(std::string_view text, bool form = false);

}  // namespace signflow::connectors::http
