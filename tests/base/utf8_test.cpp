// UTF-8 as every part of signflow reads and writes it (base/utf8.hpp).
#include "signflow/base/utf8.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace signflow::base;

TEST_CASE("utf8: valid sequences of each length, and what is not UTF-8", "[utf8]") {
    CHECK(utf8_length("a", 0) == 1);
    CHECK(utf8_length("\xC3\xA9", 0) == 2);          // é
    CHECK(utf8_length("\xE4\xB8\xAD", 0) == 3);      // 中
    CHECK(utf8_length("\xF0\x9F\x98\x80", 0) == 4);  // 😀
    CHECK(utf8_length("\xC0\xAF", 0) == 0);          // overlong /
    CHECK(utf8_length("\xE0\x80\xAF", 0) == 0);      // overlong
    CHECK(utf8_length("\xED\xA0\x80", 0) == 0);      // a surrogate
    CHECK(utf8_length("\xF4\x90\x80\x80", 0) == 0);  // past U+10FFFF
    CHECK(utf8_length("\xE4\xB8", 0) == 0);          // cut short
    CHECK(utf8_length("\x80", 0) == 0);              // a continuation alone
    CHECK(utf8_length("a", 1) == 0);                 // past the end

    CHECK(utf8_valid("plain, é, 中, 😀"));
    CHECK(utf8_invalid_at("ab\xFF" "cd") == 2);
    CHECK(utf8_invalid_at("") == std::string_view::npos);
}

TEST_CASE("utf8: decode and append are each other's inverse", "[utf8]") {
    for (char32_t cp : {U'A', U'\u00E9', U'\u4E2D', U'\U0001F600', U'\u07FF', U'\u0800', U'\uFFFF', U'\U00010000'}) {
        std::string s;
        utf8_append(s, cp);
        auto d = utf8_decode(s, 0);
        REQUIRE(d);
        CHECK(d->value == cp);
        CHECK(d->length == s.size());
    }
    CHECK_FALSE(utf8_decode("\xC0\x80", 0));
}

TEST_CASE("utf8: counting and clipping never split a character", "[utf8]") {
    std::string s = "a\xC3\xA9\xE4\xB8\xAD";  // a é 中: 6 bytes, 3 code points
    CHECK(utf8_count(s) == 3);
    CHECK(utf8_clip(s, 100) == s);
    CHECK(utf8_clip(s, 6) == s);
    CHECK(utf8_clip(s, 5) == "a\xC3\xA9");  // not into 中
    CHECK(utf8_clip(s, 2) == "a");          // not into é
    CHECK(utf8_clip(s, 0).empty());
}
