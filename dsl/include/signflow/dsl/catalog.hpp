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
};

struct TemplateSpec {
    std::string name;
    std::string title;
    std::vector<FieldSpec> fields;
    std::vector<std::string> sections;  // conditional sections `show` can name
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
};

}  // namespace signflow::dsl
