// The documents of an envelope (engine/src/machine/envelope_documents): what
// the next signature signs and each document's latest revision, as the
// daemon's shard and the simulator keep them in the envelope's data; and a
// signature over several documents asking each one's fields once
// (take_fields), as both run it.
#include "../support.hpp"

#include "machine/envelope_documents.hpp"
#include "machine/signer_fields.hpp"
#include "signflow/engine/data_keys.hpp"

#include <catch2/catch.hpp>

using namespace signflow;
using namespace signflow::engine;
using nlohmann::json;

namespace {

std::vector<std::string> names(std::initializer_list<char const*> list) { return {list.begin(), list.end()}; }

}  // namespace

TEST_CASE("envelope documents: fills join the set the next signature signs, a fill after one starts a new set",
          "[envelope_documents]") {
    json data = {{data_key::event, json::object()}};
    CHECK(detail::documents_of(data).signing.empty());
    detail::document_filled(data, "order", 1);
    detail::document_filled(data, "terms", 2);
    auto docs = detail::documents_of(data);
    CHECK(docs.signing == names({"order", "terms"}));
    CHECK(docs.latest("order") == 1);
    CHECK(docs.latest("terms") == 2);
    CHECK(docs.latest("nda") == 0);
    CHECK_FALSE(docs.signed_since);

    // A signature: a second one (the next signer) signs the same set.
    detail::document_signed(data);
    CHECK(detail::documents_of(data).signed_since);
    CHECK(detail::documents_of(data).signing == names({"order", "terms"}));

    // The shard moves each document on to its signed revision.
    docs = detail::documents_of(data);
    docs.set_latest("order", 3);
    docs.set_latest("terms", 4);
    detail::put_documents(data, docs);

    // A fill after a signature: a set of its own; the revisions of all stay.
    detail::document_filled(data, "invoice", 5);
    docs = detail::documents_of(data);
    CHECK(docs.signing == names({"invoice"}));
    CHECK_FALSE(docs.signed_since);
    REQUIRE(docs.revisions.size() == 3);
    CHECK(docs.revisions[0].name == "order");
    CHECK(docs.revisions[0].revision == 3);
    CHECK(docs.revisions[2].name == "invoice");
    CHECK(docs.revisions[2].revision == 5);
    // A document filled twice in one set is listed once.
    detail::document_filled(data, "invoice", 6);
    CHECK(detail::documents_of(data).signing == names({"invoice"}));
    CHECK(detail::documents_of(data).latest("invoice") == 6);
}

TEST_CASE("envelope documents: an envelope from before documents were named", "[envelope_documents]") {
    // data.document only: it signs that one, with no revision known.
    json old = {{data_key::event, json::object()}, {data_key::document, "nda"}};
    auto docs = detail::documents_of(old);
    CHECK(docs.signing == names({"nda"}));
    CHECK(docs.revisions.empty());
    // Its signature marks the set; the old key gives way to the new one.
    detail::document_signed(old);
    CHECK_FALSE(old.contains(data_key::document));
    CHECK(detail::documents_of(old).signed_since);
    detail::document_filled(old, "invoice", 3);
    CHECK(detail::documents_of(old).signing == names({"invoice"}));
    // Nothing known, nothing to mark.
    json none = json::object();
    detail::document_signed(none);
    CHECK_FALSE(none.contains(data_key::documents));
    // Malformed entries are skipped, not thrown on.
    json odd = {{data_key::documents, {{"signing", {"a", 3}}, {"revisions", {{{"name", "a"}}, 7}}, {"signed", true}}}};
    CHECK(detail::documents_of(odd).signing == names({"a"}));
    CHECK(detail::documents_of(odd).revisions.empty());
}

TEST_CASE("envelope documents: one signature over two documents asks each one's fields, a shared one once",
          "[envelope_documents][signer_fields]") {
    auto result = test::compile_text(R"(role client = event.client
template msa = stdlib.service_agreement {
  field client_company from client: text required
  field start_date from client: date required
}
template nda = stdlib.nda {
  field client_company from client: text required
  field effective_date from client: date
}
on order_placed -> fill [msa, nda] -> sign [client]
)");
    REQUIRE(result.workflow);
    auto d = std::make_shared<Definition const>(std::move(*result.workflow), "v1");
    auto asked = detail::fields_of(d->ir(), names({"msa", "nda"}), "client");
    REQUIRE(asked.size() == 3);
    CHECK(asked[0]->name == "client_company");
    CHECK(asked[1]->name == "start_date");
    CHECK(asked[2]->name == "effective_date");

    Instance inst;
    inst.id = 9;
    inst.definition = d;
    inst.state = *d->find_state("awaiting(client)");
    json data = {{data_key::event, json::object()}, {data_key::roles, {{"client", "c@example.com"}}}};
    detail::document_filled(data, "msa", 1);
    detail::document_filled(data, "nda", 2);
    inst.data = data.dump();
    // A field of the second document missing: refused.
    json event = {{"fields", {{"client_company", "Acme"}}}};
    std::string kept;
    auto problems = detail::take_fields(inst, "client", event, Instant{}, "UTC", kept);
    CHECK(problems.count("start_date") == 1);
    // All given: the event names both documents and carries every value.
    event = {{"fields", {{"client_company", "Acme"}, {"start_date", "2026-05-01"}}}, {"documents", {"forged"}}};
    problems = detail::take_fields(inst, "client", event, Instant{}, "UTC", kept);
    CHECK(problems.empty());
    CHECK(event["documents"] == json{"msa", "nda"});
    CHECK_FALSE(event.contains("document"));
    CHECK(event["fields"]["client_company"] == "Acme");
    CHECK(event["blank_fields"] == json{"effective_date"});
    CHECK(json::parse(inst.data)["roles"]["client"]["fields"]["start_date"] == "2026-05-01");
}
