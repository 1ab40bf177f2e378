#pragma once
// What the compiler tells a workflow author. A diagnostic has a severity, a
// stable code (documented in docs/errors.md; tools and people search for it),
// a one-line message, a primary span with a label, optional secondary spans,
// and `help:` / `note:` lines. Codes never change meaning once released: a
// retired code stays reserved.
#include "signflow/dsl/source.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace signflow::dsl {

enum class Severity { error, warning };

// The registry of codes. Keep `all_codes()` in diagnostic.cpp in step: the
// tests check that every code here has a golden case and a docs entry.
enum class Code {
    // E00xx: the bytes of the file
    invalid_utf8 = 1,
    file_too_large = 2,
    nesting_too_deep = 3,
    identifier_too_long = 4,
    invalid_character = 5,
    unterminated_string = 6,
    invalid_escape = 7,
    // E01xx: syntax
    syntax_error = 100,
    number_out_of_range = 101,
    invalid_time_of_day = 102,
    invalid_duration = 103,
    // E02xx: names
    unknown_role = 200,
    duplicate_role = 201,
    unknown_template = 202,
    duplicate_template = 203,
    unknown_template_field = 204,
    unknown_section = 205,
    unknown_stock_template = 206,
    duplicate_field = 207,
    unknown_name = 208,
    unknown_function = 209,
    wrong_argument_count = 210,
    unknown_outcome = 211,
    unknown_verification_method = 212,
    unknown_time_zone = 213,
    duplicate_workflow = 214,
    no_trigger = 215,
    reserved_event = 216,
    unknown_quota_period = 217,
    duplicate_attachment = 218,
    reserved_role_name = 219,
    // E03xx: types
    type_mismatch = 300,
    condition_not_boolean = 301,
    field_type_mismatch = 302,
    data_not_object = 303,
    argument_type_mismatch = 304,
    role_not_a_signer_value = 305,
    duplicate_key = 306,
    // E04xx: steps, options and handlers
    sign_without_signer = 400,
    duplicate_signer = 401,
    reminder_not_before_expiry = 402,
    warning_not_before_expiry = 403,
    duplicate_handler = 404,
    impossible_handler = 405,
    handler_role_misuse = 406,
    step_not_allowed_in_handler = 407,
    duplicate_option = 408,
    zero_count = 409,
    attachment_from_non_signer = 410,
    fill_after_sign = 411,
    reminder_time_needs_days = 412,
    verify_non_signer = 413,
    duplicate_quota = 414,
    // W1xxx: warnings (valid but suspicious)
    unreachable_step = 1001,
    unused_role = 1002,
    unused_template = 1003,
    connector_not_configured = 1004,
    sign_without_document = 1005,
    constant_condition = 1006,
    empty_handler = 1007,
};

struct CodeInfo {
    Code code;
    Severity severity;
    std::string_view id;       // "E0202" / "W1003"
    std::string_view summary;  // a few words, as in docs/errors.md's headings
};

std::vector<CodeInfo> const& all_codes();
CodeInfo const& info(Code code);

struct Label {
    Span span;
    std::string text;
};

struct Diagnostic {
    Code code{};
    Severity severity = Severity::error;
    std::string message;
    Label primary;
    std::vector<Label> secondary;
    std::vector<std::string> help;
    std::vector<std::string> notes;
};

// Collects the diagnostics of one file. Cheap to pass around by reference.
class Diagnostics {
public:
    Diagnostic& report(Code code, Span span, std::string message, std::string label = {});
    std::vector<Diagnostic> const& all() const { return list_; }
    std::vector<Diagnostic>& all() { return list_; }
    bool has_errors() const { return errors_ > 0; }
    std::size_t error_count() const { return errors_; }
    std::size_t warning_count() const { return list_.size() - errors_; }
    // Orders diagnostics by position (stable for equal positions).
    void sort();

private:
    std::vector<Diagnostic> list_;
    std::size_t errors_ = 0;
};

// "Did you mean": the candidates within the restricted Damerau-Levenshtein
// distance that Elm uses (1 below 3 characters, otherwise 2), closest first.
std::vector<std::string> similar_names(std::string_view name, std::vector<std::string> const& candidates,
                                       std::size_t max = 3);
// Adds a `help:` line naming the closest candidates, if there are any.
void suggest(Diagnostic& d, std::string_view name, std::vector<std::string> const& candidates,
             std::string_view what);

}  // namespace signflow::dsl
