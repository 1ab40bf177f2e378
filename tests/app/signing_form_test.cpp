// The signing page's small parsers: form bodies (parse_form) and the choice
// of language (text_for).
#include "serve/signing/form.hpp"
#include "serve/signing/text.hpp"

#include <catch2/catch.hpp>

using namespace signflow::app::signing;

TEST_CASE("form bodies decode + and %XX and keep the order") {
    std::string error;
    auto form = parse_form("csrf=ab12&name=Ann+Lee&reason=%E6%88%91%21&agree=yes", error);
    REQUIRE(form);
    REQUIRE(form->fields.size() == 4);
    CHECK(*form->get("name") == "Ann Lee");
    CHECK(*form->get("reason") == "\xE6\x88\x91!");
    CHECK(*form->get("agree") == "yes");
    CHECK(form->get("missing") == nullptr);
}

TEST_CASE("form bodies: empty pairs are skipped, a key without = has an empty value") {
    std::string error;
    auto form = parse_form("&&a&b=&=c&", error);
    REQUIRE(form);
    REQUIRE(form->fields.size() == 3);
    CHECK(form->fields[0] == std::pair<std::string, std::string>{"a", ""});
    CHECK(form->fields[1] == std::pair<std::string, std::string>{"b", ""});
    CHECK(form->fields[2] == std::pair<std::string, std::string>{"", "c"});
}

TEST_CASE("form bodies refuse malformed escapes, bad UTF-8 and too many fields") {
    std::string error;
    CHECK_FALSE(parse_form("a=%4", error));
    CHECK(error.find("escape") != std::string::npos);
    CHECK_FALSE(parse_form("a=%zz", error));
    CHECK_FALSE(parse_form("a=%C3%28", error));  // a broken two-byte sequence
    CHECK(error.find("UTF-8") != std::string::npos);
    CHECK_FALSE(parse_form("a=%ED%A0%80", error));  // a surrogate
    CHECK_FALSE(parse_form("a=%C0%AF", error));     // an overlong '/'
    CHECK_FALSE(parse_form("a=1&b=2&c=3", error, 2));
    CHECK(error.find("too many") != std::string::npos);
    CHECK(parse_form("a=1&b=2", error, 2));
}

TEST_CASE("the page's language: the role's, else the browser's, else English") {
    CHECK(std::string(text_for("zh", "").lang) == "zh-Hans");
    CHECK(std::string(text_for("zh-CN", "en").lang) == "zh-Hans");
    CHECK(std::string(text_for("ZH_hans", "").lang) == "zh-Hans");
    CHECK(std::string(text_for("en", "zh-CN,zh;q=0.9").lang) == "en");
    CHECK(std::string(text_for("", "zh-TW,en;q=0.5").lang) == "zh-Hans");
    CHECK(std::string(text_for("", "en-GB,zh;q=0.5").lang) == "en");
    CHECK(std::string(text_for("", "fr-FR, zh;q=0.5").lang) == "zh-Hans");
    CHECK(std::string(text_for("", "").lang) == "en");
    CHECK(std::string(text_for("zhx", "").lang) == "en");
}
