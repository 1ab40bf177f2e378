// A signer's view (engine/src/runtime/signer_view) read from a record and an
// audit trail, as the daemon reads them: where the envelope is decides the
// step, and the trail what this signer did. An envelope of two documents
// asks the same signer twice.
#include "../support.hpp"

#include "runtime/signer_view.hpp"
#include "signflow/dsl/ir_io.hpp"
#include "signflow/engine/progress.hpp"

#include <catch2/catch.hpp>

using namespace signflow;
using namespace signflow::engine;
using nlohmann::json;

namespace {

DefinitionPtr definition(std::string const& source) {
    auto result = test::compile_text(source);
    REQUIRE(result.workflow);
    return std::make_shared<Definition const>(std::move(*result.workflow), ir::content_hash(*result.workflow));
}

InstanceRecord record(std::string state, std::uint64_t signed_mask = 0) {
    InstanceRecord r;
    r.id = 9;
    r.workflow = "two";
    r.state = std::move(state);
    r.status = "running";
    r.data = json{{"roles", {{"client", {{"email", "c@example.com"}}}, {"manager", {{"email", "m@example.com"}}}}}}.dump();
    Progress p;
    p.signed_mask = signed_mask;
    r.progress = p.to_json();
    return r;
}

AuditRecord entry(std::string kind, std::string actor) {
    AuditRecord a;
    a.kind = kind;
    a.entry = json{{"kind", kind}, {"actor", actor}, {"detail", json::object()}}.dump();
    return a;
}

}  // namespace

TEST_CASE("signer view: the second document is signed by who signed the first", "[signer_view]") {
    auto d = definition("role client = event.client\n"
                        "on order_placed -> verify client by email -> sign [client] -> fill invoice -> sign [client]\n");
    std::vector<AuditRecord> trail{entry("code_verified", "client")};
    auto first = detail::signer_view(*d, record("awaiting(client)"), trail, "client");
    CHECK(first.step == SignerStep::sign);
    CHECK(first.verified);
    CHECK_FALSE(first.signed_);

    trail.push_back(entry("signed", "client"));
    // While the invoice is filled: signed once, more to sign further on.
    auto between = detail::signer_view(*d, record("filling(invoice)"), trail, "client");
    CHECK(between.signed_);
    CHECK(between.step == SignerStep::wait);
    // The invoice: to sign again, and the code verified for the first
    // signature does not stand for the second one (a request gets its link).
    auto second = detail::signer_view(*d, record("awaiting(client)#2"), trail, "client");
    CHECK(second.step == SignerStep::sign);
    CHECK(second.signed_);
    CHECK_FALSE(second.verified);
}

TEST_CASE("signer view: signed means signed here, in a group, or with nothing more to sign", "[signer_view]") {
    auto d = definition("role client = event.client\nrole manager = event.manager\n"
                        "on order_placed -> sign [client, manager] -> sign [manager]\n");
    std::vector<AuditRecord> trail{entry("signed", "client")};
    // The group of two: the client's bit is set, the manager's not.
    auto group = record("awaiting(client, manager)", 1);
    CHECK(detail::signer_view(*d, group, trail, "client").step == SignerStep::signed_);
    CHECK(detail::signer_view(*d, group, trail, "manager").step == SignerStep::sign);
    // Then the manager alone: the client has nothing more to sign.
    trail.push_back(entry("signed", "manager"));
    auto last = record("awaiting(manager)");
    CHECK(detail::signer_view(*d, last, trail, "client").step == SignerStep::signed_);
    CHECK(detail::signer_view(*d, last, trail, "manager").step == SignerStep::sign);
}

TEST_CASE("signer view: the fields this signer fills in the document being signed", "[signer_view]") {
    auto d = definition("role client = event.client\n"
                        "template msa = stdlib.service_agreement {\n"
                        "  field start_date from client: date required\n"
                        "  field currency from client: choice [\"EUR\", \"GBP\"] label \"Currency\"\n"
                        "  field service_description from client: text required when client.fields.currency == \"GBP\"\n"
                        "  field monthly_fee from client: number when event.fee > 100\n"
                        "  field end_date from client: date_signed\n"
                        "}\n"
                        "on order_placed -> fill msa -> sign [client] -> fill invoice -> sign [client]\n");
    auto r = record("awaiting(client)");
    json data = json::parse(r.data);
    data["event"] = {{"fee", 50}};
    data["document"] = "msa";
    r.data = data.dump();
    auto view = detail::signer_view(*d, r, {}, "client");
    CHECK(view.document == "msa");
    REQUIRE(view.fields.size() == 4);  // date_signed is filled, not asked
    CHECK(view.fields[0].name == "start_date");
    CHECK(view.fields[0].required);
    CHECK(view.fields[1].label == "Currency");
    CHECK(view.fields[1].options == std::vector<std::string>{"EUR", "GBP"});
    // Depends on a value given on this page: shown, decided when sent.
    CHECK(view.fields[2].shown);
    CHECK(view.fields[2].depends);
    // Depends on the trigger's data: the fee is 50, so not asked.
    CHECK_FALSE(view.fields[3].shown);
    CHECK_FALSE(view.fields[3].depends);
    // The invoice asks the client for nothing; the manager for nothing at all.
    data["document"] = "invoice";
    r.data = data.dump();
    r.state = "awaiting(client)#2";
    CHECK(detail::signer_view(*d, r, {}, "client").fields.empty());
    // Not the signing step: no fields.
    r.state = "filling(invoice)";
    CHECK(detail::signer_view(*d, r, {}, "client").fields.empty());
}
