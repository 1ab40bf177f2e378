// The bulk-send CSV reader (app/src/serve/csv_rows.hpp): quoting, escaped
// quotes, CRLF, line breaks inside quotes, a byte order mark, ragged and
// malformed rows (each reported with its line, the next rows still read),
// and the header's mapping to nested JSON.
#include "serve/csv_rows.hpp"

#include <catch2/catch.hpp>

#include <sstream>

namespace {
using signflow::app::CsvColumns;
using signflow::app::CsvReader;
using signflow::app::CsvRecord;
using nlohmann::json;

std::vector<CsvRecord> read_all(std::string const& text) {
    std::istringstream in(text);
    CsvReader reader(in);
    std::vector<CsvRecord> out;
    CsvRecord r;
    while (reader.next(r)) out.push_back(r);
    return out;
}

using Fields = std::vector<std::string>;

}  // namespace

TEST_CASE("csv: plain fields, quotes, escaped quotes, empty fields", "[csv]") {
    auto rows = read_all("a,b,c\n1,\"x, y\",\"say \"\"hi\"\"\"\n,,\"\"\n");
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].fields == Fields{"a", "b", "c"});
    CHECK(rows[1].fields == Fields{"1", "x, y", "say \"hi\""});
    CHECK(rows[1].line == 2);
    CHECK(rows[2].fields == Fields{"", "", ""});
    for (auto const& r : rows) CHECK(r.error.empty());
}

TEST_CASE("csv: CRLF, a last line without a line break, blank lines skipped", "[csv]") {
    auto rows = read_all("a,b\r\n1,2\r\n\r\n\n3,4");
    REQUIRE(rows.size() == 3);
    CHECK(rows[1].fields == Fields{"1", "2"});
    CHECK(rows[2].fields == Fields{"3", "4"});
    CHECK(rows[2].line == 5);
    // A CR not before LF is text.
    CHECK(read_all("a\rb\n")[0].fields == Fields{"a\rb"});
}

TEST_CASE("csv: line breaks inside quotes stay in the field, lines are counted through them", "[csv]") {
    auto rows = read_all("name,address\n\"Ann\",\"1 Main St\r\nSpringfield\"\nBob,\"x\ny\nz\"\nCid,w\n");
    REQUIRE(rows.size() == 4);
    CHECK(rows[1].fields == Fields{"Ann", "1 Main St\r\nSpringfield"});
    CHECK(rows[1].line == 2);
    CHECK(rows[2].fields == Fields{"Bob", "x\ny\nz"});
    CHECK(rows[2].line == 4);
    CHECK(rows[3].line == 7);
}

TEST_CASE("csv: a UTF-8 byte order mark is skipped, a partial one is text", "[csv]") {
    auto rows = read_all("\xEF\xBB\xBF" "email\nx@y.z\n");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].fields == Fields{"email"});
    auto partial = read_all("\xEF\xBBq,r\n");
    REQUIRE(partial.size() == 1);
    CHECK(partial[0].fields == Fields{"\xEF\xBBq", "r"});
}

TEST_CASE("csv: malformed records are reported with their line, and reading goes on", "[csv]") {
    SECTION("a quote inside an unquoted field") {
        auto rows = read_all("a,b\nab\"c,d\n1,2\n");
        REQUIRE(rows.size() == 3);
        CHECK(rows[1].line == 2);
        CHECK(rows[1].error.find("inside an unquoted field") != std::string::npos);
        CHECK(rows[2].fields == Fields{"1", "2"});
        CHECK(rows[2].error.empty());
    }
    SECTION("text after a closing quote") {
        auto rows = read_all("a,b\n\"x\"y,1\n3,4\n");
        REQUIRE(rows.size() == 3);
        CHECK(rows[1].error.find("after the closing") != std::string::npos);
        CHECK(rows[2].fields == Fields{"3", "4"});
    }
    SECTION("a quote never closed: only its first line is lost") {
        auto rows = read_all("a,b\n1,\"oops\n2,3\n4,5\n");
        REQUIRE(rows.size() == 4);
        CHECK(rows[1].line == 2);
        CHECK(rows[1].error.find("never closed") != std::string::npos);
        CHECK(rows[2].fields == Fields{"2", "3"});
        CHECK(rows[2].line == 3);
        CHECK(rows[3].fields == Fields{"4", "5"});
        CHECK(rows[3].line == 4);
    }
    SECTION("a record over the size limit") {
        std::string text = "a\n\"" + std::string(CsvReader::max_record_bytes + 10, 'x') + "\n1\n";
        auto rows = read_all(text);
        REQUIRE(rows.size() == 3);
        CHECK(rows[1].error.find("longer than") != std::string::npos);
        CHECK(rows[2].fields == Fields{"1"});
        CHECK(rows[2].line == 3);
    }
}

TEST_CASE("csv columns: dotted names nest, empty cells are absent, numbers and booleans typed", "[csv]") {
    std::string error;
    auto columns = CsvColumns::from_header({"contact.name", " contact.email ", "fee", "vip", "zip", "form"}, error);
    REQUIRE(columns);
    CsvRecord r;
    r.fields = {"Ann", "ann@x.com", "12.5", "true", "02139", ""};
    json out;
    REQUIRE(columns->to_json(r, out, error));
    CHECK(out == json{{"contact", {{"name", "Ann"}, {"email", "ann@x.com"}}}, {"fee", 12.5}, {"vip", true},
                      {"zip", "02139"}});
    r.fields = {"", "", "-3", "True", "1234567890123456", "x"};
    REQUIRE(columns->to_json(r, out, error));
    CHECK(out == json{{"fee", -3}, {"vip", "True"}, {"zip", "1234567890123456"}, {"form", "x"}});
}

TEST_CASE("csv columns: ragged rows, bad text and bad headers are refused with a reason", "[csv]") {
    std::string error;
    auto columns = CsvColumns::from_header({"a", "b"}, error);
    REQUIRE(columns);
    json out;
    CsvRecord r;
    r.fields = {"1"};
    CHECK_FALSE(columns->to_json(r, out, error));
    CHECK(error == "1 field, but the header names 2 columns");
    r.fields = {"1", "2", "3"};
    CHECK_FALSE(columns->to_json(r, out, error));
    CHECK(error == "3 fields, but the header names 2 columns");
    r.fields = {"ok", "\xFF"};
    CHECK_FALSE(columns->to_json(r, out, error));
    CHECK(error.find("not UTF-8") != std::string::npos);

    CHECK_FALSE(CsvColumns::from_header({"a", ""}, error));
    CHECK(error.find("column 2 has no name") != std::string::npos);
    CHECK_FALSE(CsvColumns::from_header({"a", "a"}, error));
    CHECK(error.find("appears twice") != std::string::npos);
    CHECK_FALSE(CsvColumns::from_header({"client", "client.email"}, error));
    CHECK(error.find("both a value and an object") != std::string::npos);
    CHECK_FALSE(CsvColumns::from_header({"a..b"}, error));
    CHECK(error.find("empty part") != std::string::npos);
}
