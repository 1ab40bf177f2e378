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

// The registry of codes, in one list: the enum and the table (all_codes())
// are both generated from it, so a code cannot exist without its id,
// severity and summary. The tests check that every code has a golden case
// and an entry in docs/errors.md. Ranges: E00xx the bytes of the file, E01xx
// syntax, E02xx names, E03xx types, E04xx steps, options and handlers,
// W1xxx warnings (valid but suspicious).
// X(name, value, severity, id, summary)
#define SIGNFLOW_DIAGNOSTIC_CODES(X) \
    X(invalid_utf8, 1, error, "E0001", "invalid UTF-8") \
    X(file_too_large, 2, error, "E0002", "file too large") \
    X(nesting_too_deep, 3, error, "E0003", "nesting too deep") \
    X(identifier_too_long, 4, error, "E0004", "identifier too long") \
    X(invalid_character, 5, error, "E0005", "invalid character") \
    X(unterminated_string, 6, error, "E0006", "unterminated string") \
    X(invalid_escape, 7, error, "E0007", "invalid escape sequence") \
    X(syntax_error, 100, error, "E0100", "syntax error") \
    X(number_out_of_range, 101, error, "E0101", "number out of range") \
    X(invalid_time_of_day, 102, error, "E0102", "invalid time of day") \
    X(invalid_duration, 103, error, "E0103", "invalid duration") \
    X(unknown_role, 200, error, "E0200", "unknown role") \
    X(duplicate_role, 201, error, "E0201", "duplicate role") \
    X(unknown_template, 202, error, "E0202", "unknown template") \
    X(duplicate_template, 203, error, "E0203", "duplicate template") \
    X(unknown_template_field, 204, error, "E0204", "unknown template field") \
    X(unknown_section, 205, error, "E0205", "unknown section") \
    X(unknown_stock_template, 206, error, "E0206", "unknown stock template") \
    X(duplicate_field, 207, error, "E0207", "duplicate field") \
    X(unknown_name, 208, error, "E0208", "unknown name") \
    X(unknown_function, 209, error, "E0209", "unknown function") \
    X(wrong_argument_count, 210, error, "E0210", "wrong number of arguments") \
    X(unknown_outcome, 211, error, "E0211", "unknown outcome") \
    X(unknown_verification_method, 212, error, "E0212", "unknown verification method") \
    X(unknown_time_zone, 213, error, "E0213", "unknown time zone") \
    X(duplicate_declaration, 214, error, "E0214", "duplicate declaration") \
    X(no_trigger, 215, error, "E0215", "workflow without a trigger") \
    X(reserved_event, 216, error, "E0216", "reserved event name") \
    X(unknown_quota_period, 217, error, "E0217", "unknown quota period") \
    X(duplicate_attachment, 218, error, "E0218", "duplicate attachment") \
    X(reserved_role_name, 219, error, "E0219", "reserved role name") \
    X(duplicate_document, 220, error, "E0220", "document twice in one fill") \
    X(type_mismatch, 300, error, "E0300", "type mismatch") \
    X(condition_not_boolean, 301, error, "E0301", "condition is not a boolean") \
    X(field_type_mismatch, 302, error, "E0302", "field type mismatch") \
    X(data_not_object, 303, error, "E0303", "data is not an object") \
    X(argument_type_mismatch, 304, error, "E0304", "argument type mismatch") \
    X(role_not_a_signer_value, 305, error, "E0305", "role value is not a signer") \
    X(duplicate_key, 306, error, "E0306", "duplicate key") \
    X(sign_without_signer, 400, error, "E0400", "sign step without a signer") \
    X(duplicate_signer, 401, error, "E0401", "duplicate signer") \
    X(reminder_not_before_expiry, 402, error, "E0402", "reminder not before expiry") \
    X(warning_not_before_expiry, 403, error, "E0403", "warning not before expiry") \
    X(duplicate_handler, 404, error, "E0404", "duplicate handler action") \
    X(impossible_handler, 405, error, "E0405", "handler that can never run") \
    X(handler_role_misuse, 406, error, "E0406", "role misused in handler") \
    X(step_not_allowed_in_handler, 407, error, "E0407", "step not allowed in handler") \
    X(duplicate_option, 408, error, "E0408", "duplicate option") \
    X(zero_count, 409, error, "E0409", "count of zero") \
    X(attachment_from_non_signer, 410, error, "E0410", "attachment from a non-signer") \
    X(fill_after_sign, 411, error, "E0411", "fill after sign") \
    X(reminder_time_needs_days, 412, error, "E0412", "reminder time needs a day interval") \
    X(verify_non_signer, 413, error, "E0413", "verification of a non-signer") \
    X(duplicate_quota, 414, error, "E0414", "duplicate quota") \
    X(field_from_non_signer, 415, error, "E0415", "field from a role that does not sign its document") \
    X(invalid_signer_field, 416, error, "E0416", "invalid signer field") \
    X(delegation_not_allowed, 417, error, "E0417", "delegation not allowed") \
    X(invalid_copy, 418, error, "E0418", "invalid copy recipient") \
    X(unreachable_step, 1001, warning, "W1001", "unreachable step") \
    X(unused_role, 1002, warning, "W1002", "unused role") \
    X(unused_template, 1003, warning, "W1003", "unused template") \
    X(connector_not_configured, 1004, warning, "W1004", "connector not configured") \
    X(sign_without_document, 1005, warning, "W1005", "sign step without a document") \
    X(constant_condition, 1006, warning, "W1006", "constant condition") \
    X(empty_handler, 1007, warning, "W1007", "handler without an action")

enum class Code {
#define SIGNFLOW_CODE_ENUMERATOR(name, value, severity, id, summary) name = value,
    SIGNFLOW_DIAGNOSTIC_CODES(SIGNFLOW_CODE_ENUMERATOR)
#undef SIGNFLOW_CODE_ENUMERATOR
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
