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
