// The audit chain: the canonical form byte for byte, linking, and what
// verify_chain says for each way of tampering with a chain.
#include "sample_chain.hpp"

#include "signflow/evidence/audit.hpp"
#include "signflow/evidence/digest.hpp"

#include <catch2/catch.hpp>

#include <functional>

using namespace signflow::evidence;
using signflow::evidence::testing::sample_chain;

namespace {

AuditEntry small_entry() {
    AuditEntry e;
    e.envelope = 7;
    e.seq = 1;
    e.at = "2026-11-27T09:14:03.120Z";
    e.local = "2026-11-27T17:14:03.120+08:00";
    e.zone = "Asia/Shanghai";
    e.kind = "declined";
    e.actor = "client";
    e.ip = "203.0.113.7";
    e.user_agent = "UA \"x\"";
    e.detail = {{"reason", "价格\n太高"}, {"attempt", 2}};
    return e;
}

// Re-links every entry from `from` (0-based) on, as someone would who
// rewrites the chain after changing it.
void relink_from(std::vector<AuditEntry>& chain, std::size_t from) {
    for (std::size_t i = from; i < chain.size(); ++i) link(chain[i], i == 0 ? genesis_hash() : chain[i - 1].hash);
}

}  // namespace

TEST_CASE("audit: the canonical form is sorted compact JSON without prev and hash") {
    auto e = small_entry();
    CHECK(canonical(e) ==
          R"({"actor":"client","at":"2026-11-27T09:14:03.120Z","detail":{"attempt":2,"reason":"价格\n太高"},)"
          R"("envelope":7,"ip":"203.0.113.7","kind":"declined","local":"2026-11-27T17:14:03.120+08:00","seq":1,)"
          R"("user_agent":"UA \"x\"","zone":"Asia/Shanghai"})");
    link(e, genesis_hash());
    CHECK(e.prev == std::string(64, '0'));
    CHECK(e.hash == sha256_hex(e.prev + canonical(e)));
    // Computed independently with Python (docs/audit.md):
    // sha256(prev + json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
    CHECK(e.hash == "0d89c4ba5c8ecc910585465ab384b7d9fb5f36c0feff4c9d17428d8d0cf7e877");
}

TEST_CASE("audit: the canonical form is json's own compact dump of the fields, for every sample entry") {
    for (auto const& e : sample_chain()) {
        INFO("entry " << e.seq);
        auto fields = to_json(e);
        fields.erase("prev");
        fields.erase("hash");
        CHECK(canonical(e) == fields.dump());
    }
}

TEST_CASE("audit: link() refuses what a third party could not re-hash, and repairs invalid UTF-8") {
    auto e = small_entry();
    e.detail["amount"] = 12.5;
    CHECK_THROWS_WITH(link(e, genesis_hash()), Catch::Contains("detail.amount: a floating-point number"));
    e = small_entry();
    e.detail["items"] = {1, {{"price", 0.1}}};
    CHECK_THROWS_WITH(link(e, genesis_hash()), Catch::Contains("detail.items[1].price"));
    e = small_entry();
    e.detail = nlohmann::json::array();
    CHECK_THROWS_WITH(link(e, genesis_hash()), Catch::Contains("detail: not an object"));
    e = small_entry();
    e.at = "2026-11-27 09:14:03Z";
    CHECK_THROWS_WITH(link(e, genesis_hash()), Catch::Contains("at:"));
    e = small_entry();
    e.at = "2026-11-27T09:14:03.120+08:00";  // UTC only
    CHECK_THROWS_WITH(link(e, genesis_hash()), Catch::Contains("at:"));
    e = small_entry();
    e.local = "2026-11-27T17:14:03+08:00";  // no milliseconds
    CHECK_THROWS_WITH(link(e, genesis_hash()), Catch::Contains("local:"));
    e = small_entry();
    e.seq = 0;
    CHECK_THROWS_WITH(link(e, genesis_hash()), Catch::Contains("seq:"));
    e = small_entry();
    e.kind = "Signed!";
    CHECK_THROWS_WITH(link(e, genesis_hash()), Catch::Contains("kind:"));
    e = small_entry();
    e.actor.clear();
    CHECK_THROWS_WITH(link(e, genesis_hash()), Catch::Contains("actor:"));
    e = small_entry();
    CHECK_THROWS_WITH(link(e, "abc"), Catch::Contains("prev:"));

    e = small_entry();
    e.detail = nullptr;  // no detail: an empty object
    link(e, genesis_hash());
    CHECK(e.detail == nlohmann::json::object());

    e = small_entry();
    e.user_agent = "bad \xff\xfe bytes";
    e.detail["file"] = "n\xc3";
    link(e, genesis_hash());
    CHECK(e.user_agent == "bad \xef\xbf\xbd\xef\xbf\xbd bytes");
    CHECK(e.detail["file"] == "n\xef\xbf\xbd");
    CHECK(verify_chain(std::span(&e, 1)).ok);
}

TEST_CASE("audit: format_utc") {
    CHECK(format_utc(0) == "1970-01-01T00:00:00.000Z");
    CHECK(format_utc(1'795'770'843'120) == "2026-11-27T09:14:03.120Z");
    CHECK(format_utc(-1) == "1969-12-31T23:59:59.999Z");
    CHECK(format_utc(951'782'400'007) == "2000-02-29T00:00:00.007Z");
}

TEST_CASE("audit: an intact chain") {
    auto chain = sample_chain();
    REQUIRE(chain.size() == 16);
    auto verdict = verify_chain(chain);
    CHECK(verdict.ok);
    CHECK(verdict.entries == 16);
    CHECK(verdict.head == chain.back().hash);
    CHECK(verdict.first_bad == 0);
    CHECK(verdict.problem.empty());
    CHECK(chain.front().prev == genesis_hash());
    for (std::size_t i = 1; i < chain.size(); ++i) CHECK(chain[i].prev == chain[i - 1].hash);

    auto with_head = verify_chain(chain, chain.back().hash);
    CHECK(with_head.ok);
    CHECK(with_head.expected_head_at == 16);

    auto empty = verify_chain({});
    CHECK(empty.ok);
    CHECK(empty.entries == 0);
    CHECK(empty.head == genesis_hash());
}

TEST_CASE("audit: one field altered names that entry, whatever the field") {
    using Change = std::function<void(AuditEntry&)>;
    std::vector<std::pair<char const*, Change>> changes = {
        {"seq", [](AuditEntry& e) { e.seq += 1; }},
        {"at", [](AuditEntry& e) { e.at[18] = e.at[18] == '9' ? '0' : '9'; }},
        {"local", [](AuditEntry& e) { e.local = "2026-11-27T18:00:00.000+08:00"; }},
        {"zone", [](AuditEntry& e) { e.zone = "Asia/Tokyo"; }},
        {"kind", [](AuditEntry& e) { e.kind = "code_verified"; }},
        {"actor", [](AuditEntry& e) { e.actor = "manager"; }},
        {"ip", [](AuditEntry& e) { e.ip = "203.0.113.8"; }},
        {"user_agent", [](AuditEntry& e) { e.user_agent += " "; }},
        {"detail value", [](AuditEntry& e) { e.detail["result"] = "expired"; }},
        {"detail added", [](AuditEntry& e) { e.detail["forged"] = true; }},
        {"detail removed", [](AuditEntry& e) {
             if (e.detail.empty()) e.detail["x"] = 1;  // nothing to remove: the change is an addition then
             else e.detail.erase(e.detail.begin());
         }},
        {"prev", [](AuditEntry& e) { e.prev[0] = e.prev[0] == 'a' ? 'b' : 'a'; }},
        {"hash", [](AuditEntry& e) { e.hash[63] = e.hash[63] == 'a' ? 'b' : 'a'; }},
    };
    for (auto const& [field, change] : changes) {
        for (std::size_t at : {std::size_t{0}, std::size_t{7}, std::size_t{15}}) {
            INFO(field << " of entry " << at + 1);
            auto chain = sample_chain();
            change(chain[at]);
            auto verdict = verify_chain(chain);
            CHECK_FALSE(verdict.ok);
            CHECK(verdict.problem == "altered");
            CHECK(verdict.first_bad == static_cast<std::int64_t>(at) + 1);
            CHECK_THAT(verdict.explanation, Catch::Contains("entry " + std::to_string(at + 1)));
        }
    }
}

TEST_CASE("audit: an entry altered and re-hashed is caught by the next link") {
    auto chain = sample_chain();
    chain[7].detail["result"] = "verified";
    link(chain[7], chain[6].hash);
    auto verdict = verify_chain(chain);
    CHECK_FALSE(verdict.ok);
    CHECK(verdict.problem == "altered");
    CHECK(verdict.first_bad == 8);
    CHECK_THAT(verdict.explanation, Catch::Contains("hash recomputed"));
}

TEST_CASE("audit: removed entries are named where they were") {
    SECTION("one in the middle") {
        auto chain = sample_chain();
        chain.erase(chain.begin() + 7);  // the failed code
        auto verdict = verify_chain(chain);
        CHECK(verdict.problem == "removed");
        CHECK(verdict.first_bad == 8);
        CHECK_THAT(verdict.explanation, Catch::StartsWith("entry 8 is missing"));
    }
    SECTION("several") {
        auto chain = sample_chain();
        chain.erase(chain.begin() + 4, chain.begin() + 7);
        auto verdict = verify_chain(chain);
        CHECK(verdict.problem == "removed");
        CHECK(verdict.first_bad == 5);
        CHECK_THAT(verdict.explanation, Catch::StartsWith("entries 5 to 7 are missing"));
    }
    SECTION("the first") {
        auto chain = sample_chain();
        chain.erase(chain.begin());
        auto verdict = verify_chain(chain);
        CHECK(verdict.problem == "removed");
        CHECK(verdict.first_bad == 1);
    }
    SECTION("the tail: invisible inside the chain, caught with the expected head") {
        auto chain = sample_chain();
        auto head = chain.back().hash;
        chain.pop_back();
        chain.pop_back();
        CHECK(verify_chain(chain).ok);
        auto verdict = verify_chain(chain, head);
        CHECK_FALSE(verdict.ok);
        CHECK(verdict.problem == "removed");
        CHECK(verdict.first_bad == 15);
        CHECK_THAT(verdict.explanation, Catch::Contains("ends at entry 14"));
    }
    SECTION("everything, with an expected head") {
        auto head = sample_chain().back().hash;
        auto verdict = verify_chain({}, head);
        CHECK(verdict.problem == "removed");
        CHECK(verdict.first_bad == 1);
    }
}

TEST_CASE("audit: reordered entries") {
    SECTION("two swapped") {
        auto chain = sample_chain();
        std::swap(chain[7], chain[8]);  // verified before failed
        auto verdict = verify_chain(chain);
        CHECK(verdict.problem == "reordered");
        CHECK(verdict.first_bad == 8);
    }
    SECTION("the last moved to the front") {
        auto chain = sample_chain();
        std::rotate(chain.begin(), chain.end() - 1, chain.end());
        auto verdict = verify_chain(chain);
        CHECK(verdict.problem == "reordered");
        CHECK(verdict.first_bad == 1);
    }
    SECTION("one moved later") {
        auto chain = sample_chain();
        std::rotate(chain.begin() + 4, chain.begin() + 5, chain.begin() + 10);
        auto verdict = verify_chain(chain);
        CHECK(verdict.problem == "reordered");
        CHECK(verdict.first_bad == 5);
    }
}

TEST_CASE("audit: inserted entries") {
    auto forged = [](std::vector<AuditEntry> const& chain, std::string const& prev) {
        auto e = chain[8];
        e.kind = "code_verified";
        e.detail = {{"method", "sms"}, {"attempt", 1}};
        return link(e, prev);
    };
    SECTION("linked to the entry before it") {
        auto chain = sample_chain();
        auto e = forged(chain, chain[6].hash);
        e.seq = 8;
        link(e, chain[6].hash);
        chain.insert(chain.begin() + 7, e);
        auto verdict = verify_chain(chain);
        CHECK(verdict.problem == "inserted");
        CHECK(verdict.first_bad == 8);
    }
    SECTION("not linked") {
        auto chain = sample_chain();
        chain.insert(chain.begin() + 7, forged(chain, std::string(64, 'c')));
        auto verdict = verify_chain(chain);
        CHECK(verdict.problem == "inserted");
        CHECK(verdict.first_bad == 8);
    }
    SECTION("a copy of an entry") {
        auto chain = sample_chain();
        chain.insert(chain.begin() + 10, chain[10]);
        auto verdict = verify_chain(chain);
        CHECK(verdict.problem == "inserted");
        CHECK(verdict.first_bad == 12);
        CHECK_THAT(verdict.explanation, Catch::Contains("copy of entry 11"));
    }
}

TEST_CASE("audit: an entry of another envelope") {
    auto chain = sample_chain();
    auto other = sample_chain();
    for (auto& e : other) e.envelope = 43;
    relink_from(other, 0);
    chain[5] = other[5];
    auto verdict = verify_chain(chain);
    CHECK(verdict.problem == "wrong envelope");
    CHECK(verdict.first_bad == 6);
}

TEST_CASE("audit: a chain rewritten from some entry on is intact in itself, the expected head tells") {
    auto chain = sample_chain();
    auto head = chain.back().hash;
    chain[7].detail["result"] = "expired";
    relink_from(chain, 7);
    CHECK(verify_chain(chain).ok);
    auto verdict = verify_chain(chain, head);
    CHECK_FALSE(verdict.ok);
    CHECK(verdict.problem == "removed");
    CHECK_THAT(verdict.explanation, Catch::Contains("rewritten"));
}

TEST_CASE("audit: an expected head earlier in the chain is accepted and located") {
    auto chain = sample_chain();
    auto verdict = verify_chain(chain, chain[14].hash);  // the certificate was made before `sealed`
    CHECK(verdict.ok);
    CHECK(verdict.expected_head_at == 15);
}

TEST_CASE("audit: a seq that skips while the links hold is misnumbered") {
    auto chain = sample_chain();
    chain[3].seq = 9;
    relink_from(chain, 3);
    for (std::size_t i = 4; i < chain.size(); ++i) {
        chain[i].seq = static_cast<std::int64_t>(i) + 6;
    }
    relink_from(chain, 4);
    auto verdict = verify_chain(chain);
    CHECK(verdict.problem == "misnumbered");
    CHECK(verdict.first_bad == 4);
}

TEST_CASE("audit: export and import round trip through text") {
    auto chain = sample_chain();
    auto exported = export_chain(chain);
    CHECK(exported["format"] == "signflow-audit/1");
    CHECK(exported["envelope"] == 42);
    CHECK(exported["head"] == chain.back().hash);
    auto text = exported.dump(2);
    auto back = import_chain(nlohmann::json::parse(text));
    REQUIRE(back.size() == chain.size());
    for (std::size_t i = 0; i < chain.size(); ++i) {
        INFO("entry " << i + 1);
        CHECK(to_json(back[i]) == to_json(chain[i]));
        CHECK(canonical(back[i]) == canonical(chain[i]));
    }
    CHECK(verify_chain(back, chain.back().hash).ok);

    auto empty = export_chain({});
    CHECK(empty["envelope"].is_null());
    CHECK(empty["head"] == genesis_hash());
    CHECK(import_chain(empty).empty());
}

TEST_CASE("audit: importing something that is not an export says what is wrong") {
    auto exported = export_chain(sample_chain());
    auto expect_error = [](nlohmann::json const& j, std::string const& text) {
        INFO(j.dump().substr(0, 200));
        CHECK_THROWS_WITH(import_chain(j), Catch::Contains(text));
    };
    expect_error(nlohmann::json::array(), "top level is not an object");
    expect_error({{"entries", nlohmann::json::array()}}, "no \"format\"");
    expect_error({{"format", "signflow-audit/9"}, {"entries", nlohmann::json::array()}}, "signflow-audit/9");
    expect_error({{"format", "signflow-audit/1"}}, "entries: missing or not an array");

    auto j = exported;
    j["entries"][2].erase("seq");
    expect_error(j, "entries[2].seq: missing");
    j = exported;
    j["entries"][3]["seq"] = "4";
    expect_error(j, "entries[3].seq: not an integer");
    j = exported;
    j["entries"][4]["detail"] = "signed";
    expect_error(j, "entries[4].detail: not an object");
    j = exported;
    j["entries"][5]["hash"] = "XYZ";
    expect_error(j, "entries[5].hash: not 64 lowercase hex digits");
    j = exported;
    j["entries"][6] = 17;
    expect_error(j, "entries[6]: not an object");
    j = exported;
    j["entries"][1]["ip"] = nullptr;
    expect_error(j, "entries[1].ip: not a string");

    CHECK_THROWS_AS(nlohmann::json::parse(R"({"format": "signflow-audit/1", "entries": [)"), nlohmann::json::parse_error);
}
