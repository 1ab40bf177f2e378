// The functions workflow expressions can call, as the checker sees them:
// parameter types, arity and result type. The evaluator implements them
// under the same names; the summaries are for the docs and, later, for
// editor help. Event data is dynamic, so parameters that take "a
// date" or "a string or a list" are typed `any` and checked at run time.
#include "signflow/stdlib/catalog.hpp"

namespace signflow::stdlib {

std::vector<dsl::FunctionSpec> const& functions() {
    using dsl::Type;
    // Fields: name, params, min_args, variadic (the last param repeats),
    // result, summary. Built once; the catalog hands out pointers into it.
    static std::vector<dsl::FunctionSpec> const table{
        {"lower", {Type::string}, 1, false, Type::string, "the string in lower case"},
        {"upper", {Type::string}, 1, false, Type::string, "the string in upper case"},
        {"trim", {Type::string}, 1, false, Type::string, "the string without leading and trailing white space"},
        {"length", {Type::any}, 1, false, Type::number, "the number of characters of a string or items of a list"},
        {"coalesce", {Type::any, Type::any}, 1, true, Type::any, "the first argument that is not null"},
        {"format_date", {Type::any, Type::string}, 2, false, Type::string,
         "a date formatted with a pattern such as \"%Y-%m-%d\""},
        {"round", {Type::number, Type::number}, 1, false, Type::number,
         "the number rounded to the given number of decimals (default 0)"},
        {"contains", {Type::any, Type::any}, 2, false, Type::boolean,
         "whether a string contains a substring, or a list contains a value"},
        {"concat", {Type::string}, 1, true, Type::string, "the strings joined end to end"},
        {"days_until", {Type::any}, 1, false, Type::number, "the number of days from now until a date"},
        {"now", {}, 0, false, Type::string, "the current instant, in RFC 3339 format"},
    };
    return table;
}

}  // namespace signflow::stdlib
