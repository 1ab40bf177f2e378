// The certificate of completion, made from the sample chain.
#include "sample_chain.hpp"

#include "signflow/evidence/certificate.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace signflow::evidence;
using namespace signflow::evidence::testing;

namespace {
std::string const document = "9f2c4e1a0b7d35c8e6f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7";
constexpr std::int64_t generated = 1'795'778'200'000;
}  // namespace

TEST_CASE("certificate: envelope, document, signers, every event, the chain head") {
    auto chain = sample_chain();
    auto c = completion_certificate(sample_envelope, "client_nda", document, sample_signers(), chain, generated);
    CHECK(c["format"] == "signflow-certificate/1");
    CHECK(c["envelope"] == 42);
    CHECK(c["workflow"] == "client_nda");
    CHECK(c["document_sha256"] == document);
    CHECK(c["chain_head"] == chain.back().hash);
    CHECK(c["entries"] == 16);
    CHECK(c["generated_at"] == "2026-11-27T11:16:40.000Z");

    REQUIRE(c["signers"].size() == 2);
    auto const& client = c["signers"][0];
    CHECK(client["role"] == "client");
    CHECK(client["name"] == "Li Wei");
    CHECK(client["auth"] == "sms code");
    CHECK(client["signed_at"] == chain[10].at);
    CHECK(client["signed_local"] == "2026-11-27T17:17:26.520+08:00");
    CHECK(c["signers"][1]["signed_local"] == chain[13].local);
    CHECK_FALSE(client.contains("declined_at"));

    REQUIRE(c["events"].size() == 16);
    for (std::size_t i = 0; i < chain.size(); ++i) {
        auto const& event = c["events"][i];
        INFO("event " << i + 1);
        CHECK(event["seq"] == chain[i].seq);
        CHECK(event["at"] == chain[i].at);
        CHECK(event["local"] == chain[i].local);
        CHECK(event["kind"] == chain[i].kind);
        CHECK(event["actor"] == chain[i].actor);
        CHECK(event["ip"] == chain[i].ip);
        CHECK(event["user_agent"] == chain[i].user_agent);
    }
    // The method: the entry's own when it says one, else the signer's.
    CHECK(c["events"][6]["method"] == "sms");           // code_sent
    CHECK(c["events"][10]["method"] == "sms code");     // client signed: their auth
    CHECK(c["events"][13]["method"] == "email code");   // manager signed: the entry's
    CHECK(c["events"][4]["method"] == "sms code");      // client viewed
    CHECK(c["events"][0]["method"] == "");              // created by the system
}

TEST_CASE("certificate: every document of the envelope, as the chain says it was filled") {
    auto chain = sample_chain();
    auto c = completion_certificate(sample_envelope, "client_nda", document, sample_signers(), chain, generated);
    REQUIRE(c["documents"].size() == 1);
    CHECK(c["documents"][0] == nlohmann::json({{"template", "nda"}, {"sha256", document}}));

    // A second document, filled after the client signed the first: relinked,
    // as the engine would have written it.
    auto filled = std::find_if(chain.begin(), chain.end(), [](AuditEntry const& e) { return e.kind == "document_filled"; });
    REQUIRE(filled != chain.end());
    AuditEntry second = *filled;
    second.detail = {{"template", "invoice"}, {"document_sha256", std::string(64, 'c')}, {"revision", 3}};
    chain.insert(chain.begin() + 11, second);
    std::string prev = genesis_hash();
    for (std::size_t i = 0; i < chain.size(); ++i) {
        chain[i].seq = static_cast<std::int64_t>(i) + 1;
        prev = link(chain[i], prev).hash;
    }
    c = completion_certificate(sample_envelope, "client_nda", document, sample_signers(), chain, generated);
    REQUIRE(c["documents"].size() == 2);
    CHECK(c["documents"][0]["template"] == "nda");
    CHECK(c["documents"][1] == nlohmann::json({{"template", "invoice"}, {"sha256", std::string(64, 'c')}, {"revision", 3}}));
    CHECK(c["document_sha256"] == document);  // the first one's, as before the list
}

TEST_CASE("certificate: the fields each signer filled, per document, with their hash") {
    auto chain = sample_chain();
    auto signed_entry = std::find_if(chain.begin(), chain.end(), [](AuditEntry const& e) {
        return e.kind == "signed" && e.actor == "client";
    });
    REQUIRE(signed_entry != chain.end());
    signed_entry->detail["document"] = "nda";
    signed_entry->detail["fields"] = {{"title", "CFO"}, {"accept", true}};
    signed_entry->detail["fields_sha256"] = std::string(64, 'f');
    std::string prev = genesis_hash();
    for (auto& e : chain) prev = link(e, prev).hash;
    auto c = completion_certificate(sample_envelope, "client_nda", document, sample_signers(), chain, generated);
    auto const& client = c["signers"][0];
    REQUIRE(client["fields"].size() == 1);
    CHECK(client["fields"][0] == nlohmann::json({{"document", "nda"},
                                                 {"values", {{"title", "CFO"}, {"accept", true}}},
                                                 {"sha256", std::string(64, 'f')}}));
    CHECK_FALSE(c["signers"][1].contains("fields"));  // the manager filled none
}

TEST_CASE("certificate: a chain made before `sealed` names the head it saw") {
    auto chain = sample_chain();
    chain.pop_back();
    auto c = completion_certificate(sample_envelope, "client_nda", document, sample_signers(), chain, generated);
    CHECK(c["chain_head"] == chain.back().hash);
    CHECK(c["entries"] == 15);
    // The full chain still verifies against it; the seal comes after.
    auto full = sample_chain();
    auto verdict = verify_chain(full, c["chain_head"].get<std::string>());
    CHECK(verdict.ok);
    CHECK(verdict.expected_head_at == 15);
}

TEST_CASE("certificate: a declined signer") {
    auto chain = sample_chain();
    chain.resize(10);
    AuditEntry declined;
    declined.envelope = sample_envelope;
    declined.seq = 11;
    declined.at = "2026-11-27T09:20:00.000Z";
    declined.local = "2026-11-27T17:20:00.000+08:00";
    declined.zone = "Asia/Shanghai";
    declined.kind = "declined";
    declined.actor = "client";
    declined.detail = {{"reason", "wrong address"}};
    chain.push_back(link(declined, chain.back().hash));
    auto c = completion_certificate(sample_envelope, "client_nda", document, sample_signers(), chain, generated);
    CHECK(c["signers"][0]["declined_at"] == "2026-11-27T09:20:00.000Z");
    CHECK_FALSE(c["signers"][0].contains("signed_at"));
}

TEST_CASE("certificate: refused for a broken chain, another envelope's chain, a signer without a role") {
    auto chain = sample_chain();
    chain[3].ip = "10.0.0.1";
    CHECK_THROWS_WITH(completion_certificate(sample_envelope, "client_nda", document, sample_signers(), chain, generated),
                      Catch::Contains("entry 4: altered"));
    chain = sample_chain();
    CHECK_THROWS_WITH(completion_certificate(43, "client_nda", document, sample_signers(), chain, generated),
                      Catch::Contains("envelope 42"));
    auto signers = sample_signers();
    signers[1].erase("role");
    CHECK_THROWS_WITH(completion_certificate(sample_envelope, "client_nda", document, signers, chain, generated),
                      Catch::Contains("signers[1]: no role"));
    CHECK_THROWS_AS(completion_certificate(sample_envelope, "client_nda", document, nlohmann::json::object(), chain,
                                           generated),
                    std::invalid_argument);
}

TEST_CASE("certificate: generated_at defaults to now") {
    auto c = completion_certificate(sample_envelope, "client_nda", document, sample_signers(), sample_chain());
    auto text = c["generated_at"].get<std::string>();
    CHECK(text.size() == 24);
    CHECK(text.substr(0, 2) == "20");
    CHECK(text.back() == 'Z');
}
