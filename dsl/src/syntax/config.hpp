#pragma once
// The types the X3 grammar is instantiated with (the X3 layout's config.hpp).
// Included only by parser.cpp: the one translation unit that compiles Spirit.
#include <boost/spirit/home/x3.hpp>

#include "signflow/dsl/diagnostic.hpp"

namespace signflow::dsl::syntax {

namespace x3 = boost::spirit::x3;

using iterator_type = char const*;

// What semantic actions need besides their attribute: the start of the text
// (spans are offsets from it) and the diagnostics sink (for errors found
// while building nodes: a bad escape, a 25:00, a number out of range).
struct ParseState {
    char const* base = nullptr;
    Diagnostics* diags = nullptr;
    bool depth_reported = false;  // one "too deep" per item, not one per operator
};
struct state_tag;

}  // namespace signflow::dsl::syntax
