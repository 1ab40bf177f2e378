#pragma once
// What evaluate.cpp (the operators) and functions.cpp (the built-in
// functions) share: the value an expression evaluates to while evaluation is
// still going on, and the error and comparison helpers both need.
//
// Guards run on every event, so evaluation avoids copying: a path borrows the
// JSON it points into, a string literal borrows the IR's text, and only values
// that are computed (arithmetic, function results, list and object literals)
// are owned. `event.form == "nda"` allocates nothing.
#include "signflow/engine/evaluate.hpp"

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace signflow::engine::eval {

// A value borrowed from the scope's data, borrowed from the IR (a string
// literal), or owned. Borrowed values live as long as the Scope's data and the
// IR, which outlive an evaluate() call.
class Value {
public:
    Value() = default;  // null
    Value(json j) : own_(std::move(j)) {}
    static Value ref(json const& j) {
        Value v;
        v.ref_ = &j;
        return v;
    }
    static Value literal(std::string const& s) {
        Value v;
        v.str_ = &s;
        return v;
    }

    json::value_t type() const { return str_ ? json::value_t::string : data().type(); }
    bool is_string() const { return str_ || data().is_string(); }
    bool is_null() const { return !str_ && data().is_null(); }
    // Only when is_string().
    std::string const& string() const { return str_ ? *str_ : data().get_ref<std::string const&>(); }
    // The value as JSON. A borrowed string literal is turned into JSON only
    // here, when an operation needs it whole.
    json const& get() const {
        if (str_) {
            own_ = *str_;
            str_ = nullptr;
        }
        return data();
    }
    json take() && {
        if (str_) return *str_;
        if (ref_) return *ref_;
        return std::move(own_);
    }

private:
    json const& data() const { return ref_ ? *ref_ : own_; }

    json const* ref_ = nullptr;
    mutable std::string const* str_ = nullptr;
    mutable json own_;
};

// `s == lit` for the IR's kind, type and operator words: the length first,
// then a comparison the compiler inlines (the tree walk makes several per
// node, and a call to memcmp each was a fifth of a guard's time).
template <std::size_t N>
bool is(std::string const& s, char const (&lit)[N]) {
    return s.size() == N - 1 && std::memcmp(s.data(), lit, N - 1) == 0;
}

Value eval(ir::Expr const& e, Scope const& scope);
// A `call` node: checks the arity and runs the function (functions.cpp).
Value call(ir::Expr const& e, Scope const& scope);

// Throws EvalError: "`<the expression>`: <message>".
[[noreturn]] void fail(ir::Expr const& at, std::string const& message);

// "null", "boolean", "number", "string", "list", "object": the language's
// words for JSON's types, as error messages use them.
char const* type_name(json::value_t t);
inline char const* type_name(Value const& v) { return type_name(v.type()); }

// Equality by value: numbers numerically (1 == 1.0), lists and objects
// member by member, different types unequal.
bool equal(Value const& a, Value const& b);
// `needle in haystack`: membership in a list, or substring of a string.
// `what` names the operation in the error raised for other types.
bool contains(Value const& haystack, Value const& needle, ir::Expr const& at, std::string_view what);

// `needle in [a, b, …]` without building the list: the items are evaluated
// in order until one equals the needle (so `event.country in ["DE", "AT"]`
// allocates nothing, and items after a match are not evaluated).
bool in_list_literal(ir::Expr const& list, Value const& needle, Scope const& scope);

// A computed number as JSON: integral values within ±2^53 become JSON
// integers (so `2 * 1.5` is written `3`, as the IR writes numbers), and -0
// becomes 0. The caller has made sure `d` is finite.
json number(double d);
// A number's text as concat() writes it: "3", "2.5", "1e+21".
std::string number_text(json const& n);

}  // namespace signflow::engine::eval
