// Names and compatibility of expression types. `any` stands for event data,
// whose shape is only known at run time, so it is compatible in both
// directions: the checker reports only what is certainly wrong. `null` is
// not a wildcard: a literal `null` fits only where anything fits (`any`)
// or where null itself is wanted, never in place of a typed value such as a
// template's number field.
#include "signflow/dsl/types.hpp"

namespace signflow::dsl {

std::string_view type_name(Type t) {
    // The words appear in messages ("expected number, found string"), so they
    // are what an author would say, not the enumerator spellings.
    switch (t) {
        case Type::any: return "any";
        case Type::string: return "string";
        case Type::number: return "number";
        case Type::boolean: return "boolean";
        case Type::duration: return "duration";
        case Type::time_of_day: return "time of day";
        case Type::list: return "list";
        case Type::object: return "object";
        case Type::null: return "null";
    }
    return "any";  // unreachable for valid enumerators; keeps -Wreturn-type quiet
}

bool compatible(Type wanted, Type actual) {
    return wanted == Type::any || actual == Type::any || wanted == actual;
}

std::string a_type(Type t) {
    switch (t) {
    case Type::any: return "a value of unknown type";
    case Type::null: return "null";
    case Type::object: return "an object";
    default: return "a " + std::string(type_name(t));
    }
}

}  // namespace signflow::dsl
