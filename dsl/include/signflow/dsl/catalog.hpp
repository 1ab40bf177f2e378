#pragma once
// What the checker needs to know about the world outside the file: the stock
// templates and their fields, the expression functions, the verification
// methods, the time zones and (when a daemon configuration is given) the
// connectors. The compiler depends on this interface only; `stdlib` provides
// the standard implementation, so the language front end knows no PDF, no
// clock and no configuration format.
#include "signflow/dsl/types.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace signflow::dsl {

struct FieldSpec {
    std::string name;
    Type type = Type::string;
    std::vector<std::string> options;  // choice fields: the allowed values
    // A PDF text field of a template read from a file: what it holds is
    // printed, so a number fits as well as a string (the PDF does not say
    // which it means).
    bool free_text = false;
    // The most characters the PDF's text field holds (its /MaxLen); 0: no limit.
    int max_length = 0;
};

struct TemplateSpec {
    std::string name;
    std::string title;
    std::vector<FieldSpec> fields;
    std::vector<std::string> sections;  // conditional sections `show` can name
    int pages = 0;                      // its pages (0: not known)
};

struct FunctionSpec {
    std::string name;
    std::vector<Type> params;  // `any` accepts everything
    std::size_t min_args = 0;
    bool variadic = false;  // the last parameter repeats
    Type result = Type::any;
    std::string summary;
};

class Catalog {
public:
    virtual ~Catalog() = default;
    virtual TemplateSpec const* find_template(std::string_view name) const = 0;
    virtual std::vector<std::string> template_names() const = 0;
    virtual FunctionSpec const* find_function(std::string_view name) const = 0;
    virtual std::vector<std::string> function_names() const = 0;
    virtual std::vector<std::string> verification_methods() const = 0;
    virtual bool is_time_zone(std::string_view name) const = 0;
    // Connectors the daemon's configuration defines; nullopt when no
    // configuration was given (then connectors are not checked).
    virtual std::optional<std::vector<std::string>> connectors() const = 0;
    // The fields and sections of a PDF template a workflow names by file
    // (`template offer = "templates/offer.pdf"`); `path` is already resolved
    // against the folder of the .flow file. nullptr with `error` empty: this
    // catalog does not read PDFs, and the template is not checked (the
    // compiler itself knows no PDF). nullptr with `error` set: the file is
    // missing or is not a form, and `error` says why in a few words. The
    // pointer stays valid as long as the catalog.
    virtual TemplateSpec const* load_template(std::string const& path, std::string& error) const {
        (void)path;
        error.clear();
        return nullptr;
    }
};

}  // namespace signflow::dsl
