#pragma once
// The types of workflow expressions. Event data is dynamic (it arrives as
// JSON), so `any` is compatible with everything; the checker reports only
// what is certainly wrong.
#include <string>
#include <string_view>

namespace signflow::dsl {

enum class Type { any, string, number, boolean, duration, time_of_day, list, object, null };

std::string_view type_name(Type t);
// The type with its article, for messages: "a string", "an object", "null".
std::string a_type(Type t);
// True when a value of type `actual` may be used where `wanted` is expected.
bool compatible(Type wanted, Type actual);

}  // namespace signflow::dsl
