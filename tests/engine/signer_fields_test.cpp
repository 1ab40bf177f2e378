// The fields a signer fills (engine/src/machine/signer_fields): which are
// asked, the check of what was given (types, limits, patterns, options,
// required, conditions reading the data and values given beside them), and
// a signature's whole step on an instance (take_fields) as the daemon's
// shard and the simulator run it.
#include "../support.hpp"

#include "machine/signer_fields.hpp"
#include "signflow/dsl/ir_io.hpp"
#include "signflow/engine/data_keys.hpp"

#include <catch2/catch.hpp>

using namespace signflow;
using namespace signflow::engine;
using nlohmann::json;

namespace {

std::string const flow = R"(role client = event.client
role manager = event.manager
template msa = stdlib.service_agreement {
  client_name = event.client.name
  field start_date from client: date required
  field client_company from client: text min 2 max 10 matching "[A-Za-z ]+" label "Company" required
  field currency from client: choice ["EUR", "GBP"] required
  field auto_renew from client: checkbox
  field payment_terms_days from client: number min 14 max 90
  field service_description from client: text required when client.fields.currency == "GBP"
  field monthly_fee from client: number when event.fee > 100
  field end_date from client: date_signed
  field provider_name from manager: text
}
on order_placed -> fill msa -> sign sequentially [client, manager]
)";

ir::Workflow workflow() {
    auto result = test::compile_text(flow);
    REQUIRE(result.workflow);
    return std::move(*result.workflow);
}

json data(double fee = 50) {
    return json{{data_key::event, {{"fee", fee}}},
                {data_key::roles, {{"client", "c@example.com"}, {"manager", {{"email", "m@example.com"}}}}},
                {data_key::document, "msa"}};
}

json good() {
    return json{{"start_date", "2026-05-01"}, {"client_company", "Acme"}, {"currency", "EUR"}};
}

detail::CheckedFields check(ir::Workflow const& w, json given, json d = data()) {
    return detail::check_fields(detail::fields_of(w, "msa", "client"), "client", given, d, Instant{}, "2026-12-07");
}

std::string problem(detail::CheckedFields const& c, std::string const& field) {
    auto it = c.problems.find(field);
    return it == c.problems.end() ? std::string() : it->second.code;
}

bool check_fields_ok(ir::SignerField const& f, json const& given) {
    return detail::check_fields({&f}, "client", given, data(), Instant{}, "2026-12-07").problems.empty();
}

}  // namespace

TEST_CASE("signer fields: each role's fields of the document being signed", "[signer_fields]") {
    auto w = workflow();
    CHECK(detail::fields_of(w, "msa", "client").size() == 8);
    REQUIRE(detail::fields_of(w, "msa", "manager").size() == 1);
    CHECK(detail::fields_of(w, "msa", "manager")[0]->name == "provider_name");
    CHECK(detail::fields_of(w, "other", "client").empty());
    CHECK(detail::fields_of(w, "msa", "client")[1]->label == "Company");
}

TEST_CASE("signer fields: values are kept in their own form", "[signer_fields]") {
    auto w = workflow();
    json given = good();
    given["auto_renew"] = "yes";
    given["payment_terms_days"] = " 30 ";
    auto c = check(w, given);
    CHECK(c.problems.empty());
    CHECK(c.values == json{{"start_date", "2026-05-01"}, {"client_company", "Acme"}, {"currency", "EUR"},
                           {"auto_renew", true}, {"payment_terms_days", 30}, {"end_date", "2026-12-07"}});
    // A check box left blank is kept as not ticked; a decimal stays one.
    given.erase("auto_renew");
    given["payment_terms_days"] = 14.5;
    c = check(w, given);
    CHECK(c.values["auto_renew"] == false);
    CHECK(c.values["payment_terms_days"] == 14.5);
    CHECK(detail::drawn(c.values["payment_terms_days"]) == "14.5");
    CHECK(detail::drawn(json(30)) == "30");
    CHECK(detail::drawn(json(true)) == true);
}

TEST_CASE("signer fields: each rule refuses what does not fit, naming the field", "[signer_fields]") {
    auto w = workflow();
    auto with = [&](char const* field, json value) {
        json g = good();
        g[field] = std::move(value);
        return check(w, g);
    };
    CHECK(problem(check(w, json::object()), "start_date") == "required");
    CHECK(problem(check(w, json::object()), "currency") == "required");
    CHECK(problem(with("start_date", "2026-02-30"), "start_date") == "not_a_date");
    CHECK(problem(with("start_date", "01/05/2026"), "start_date") == "not_a_date");
    CHECK(problem(with("start_date", "2024-02-29"), "start_date").empty());  // a leap day
    CHECK(problem(with("client_company", "A"), "client_company") == "too_short");
    CHECK(problem(with("client_company", "Acme Widgets"), "client_company") == "too_long");
    CHECK(problem(with("client_company", "Acme 42"), "client_company") == "pattern");
    CHECK(problem(with("client_company", "Ac\nme"), "client_company") == "not_text");
    CHECK(problem(with("client_company", "  "), "client_company") == "required");  // blank is missing
    CHECK(problem(with("currency", "USD"), "currency") == "not_an_option");
    CHECK(problem(with("payment_terms_days", "many"), "payment_terms_days") == "not_a_number");
    CHECK(problem(with("payment_terms_days", "1e3"), "payment_terms_days") == "not_a_number");
    CHECK(problem(with("payment_terms_days", 7), "payment_terms_days") == "below_min");
    CHECK(problem(with("payment_terms_days", "91"), "payment_terms_days") == "above_max");
    CHECK(problem(with("auto_renew", "maybe"), "auto_renew") == "not_an_option");
    CHECK(problem(with("auto_renew", 1), "auto_renew") == "not_an_option");
    CHECK(problem(with("auto_renew", json::object()), "auto_renew") == "not_an_option");
    CHECK(problem(with("payment_terms_days", 1e15), "payment_terms_days") == "not_a_number");
    CHECK(problem(with("payment_terms_days", "1234567890123456"), "payment_terms_days") == "not_a_number");
    CHECK(problem(with("colour", "red"), "colour") == "not_asked");
    CHECK(problem(with("end_date", "2020-01-01"), "end_date") == "not_asked");  // filled, never given
    CHECK(problem(with("client_company", json::array()), "client_company") == "not_text");
    auto message = with("client_company", "Acme Widgets").problems.at("client_company").message;
    CHECK(message == "at most 10 characters");
}

TEST_CASE("signer fields: a condition reads the data and the values given beside it", "[signer_fields]") {
    auto w = workflow();
    // Asked when the currency given on the same page is GBP.
    json g = good();
    g["currency"] = "GBP";
    CHECK(problem(check(w, g), "service_description") == "required");
    g["service_description"] = "Hosting";
    CHECK(check(w, g).values["service_description"] == "Hosting");
    // Not asked: a value given for it is not kept, and nothing is required.
    json e = good();
    e["service_description"] = "Hosting";
    auto c = check(w, e);
    CHECK(c.problems.empty());
    CHECK_FALSE(c.values.contains("service_description"));
    // On the trigger's data: the fee.
    e = good();
    e["monthly_fee"] = "150";
    CHECK_FALSE(check(w, e, data(50)).values.contains("monthly_fee"));
    CHECK(check(w, e, data(500)).values["monthly_fee"] == 150);

    Scope scope;
    json d = data(500);
    scope.event = &d[data_key::event];
    auto const& fields = detail::fields_of(w, "msa", "client");
    CHECK(detail::asked(*fields[6], scope));  // monthly_fee: the fee is over 100
    CHECK_FALSE(detail::asked(*fields[5], scope));  // service_description: no currency given yet
    CHECK(detail::reads_own_fields(*fields[5], "client", fields));
    CHECK_FALSE(detail::reads_own_fields(*fields[6], "client", fields));
    // A condition on a field of another page (another document, or the
    // field not asked here) is not this page's.
    std::vector<ir::SignerField const*> without_currency;
    for (auto const* f : fields)
        if (f->name != "currency") without_currency.push_back(f);
    CHECK_FALSE(detail::reads_own_fields(*fields[5], "client", without_currency));
}

TEST_CASE("signer fields: a signature keeps them in the role's data and carries them as drawn", "[signer_fields]") {
    auto d = std::make_shared<Definition const>(workflow(), "v1");
    REQUIRE(d->has_signer_fields());
    Instance inst;
    inst.id = 4;
    inst.definition = d;
    inst.state = *d->find_state("awaiting(client)");
    inst.data = data().dump();

    // Refused: nothing changes.
    json event = {{"name", "Ann"}, {"fields", {{"currency", "USD"}}}, {"document", "forged"}};
    std::string kept;
    auto problems = detail::take_fields(inst, "client", event, Instant{}, "UTC", kept);
    CHECK(problems.count("currency") == 1);
    CHECK(problems.count("start_date") == 1);
    CHECK(kept.empty());
    CHECK(json::parse(inst.data) == data());

    // Accepted: ROLE.fields (a bare address becomes {email, fields}), and
    // the event carries the drawn values and the document, nothing else.
    event = {{"name", "Ann"}, {"fields", good()}, {"document", "forged"}};
    event["fields"]["payment_terms_days"] = "30";
    problems = detail::take_fields(inst, "client", event, Instant{}, "America/New_York", kept);
    CHECK(problems.empty());
    CHECK(json::parse(kept) == data());
    json now = json::parse(inst.data);
    CHECK(now["roles"]["client"]["email"] == "c@example.com");
    CHECK(now["roles"]["client"]["fields"]["payment_terms_days"] == 30);
    CHECK(now["roles"]["client"]["fields"]["end_date"] == "1969-12-31");  // the epoch, in New York
    CHECK(event["document"] == "msa");
    CHECK(event["fields"]["payment_terms_days"] == "30");
    CHECK(event["fields"]["auto_renew"] == false);
    // Asked and left without a value: locked blank under the signature.
    CHECK(event["blank_fields"] == json{"service_description", "monthly_fee"});

    // Not this signer's turn: left to the machine, the caller's fields dropped.
    event = {{"fields", {{"provider_name", "Acme"}}}, {"document", "forged"}, {"blank_fields", {"x"}}};
    kept.clear();
    CHECK(detail::take_fields(inst, "manager", event, Instant{}, "UTC", kept).empty());
    CHECK(kept.empty());
    CHECK_FALSE(event.contains("fields"));
    CHECK_FALSE(event.contains("document"));
    CHECK_FALSE(event.contains("blank_fields"));
}

TEST_CASE("signer fields: initials hold 8 characters, or fewer with `max`", "[signer_fields]") {
    ir::SignerField f;
    f.name = "initials";
    f.from = "client";
    f.type = "initials";
    CHECK(check_fields_ok(f, {{"initials", "ABCDEFGH"}}));
    CHECK_FALSE(check_fields_ok(f, {{"initials", "ABCDEFGHI"}}));
    f.max = 4;
    CHECK(check_fields_ok(f, {{"initials", "JRRT"}}));
    auto c = detail::check_fields({&f}, "client", {{"initials", "JRRTo"}}, data(), Instant{}, "2026-12-07");
    CHECK(problem(c, "initials") == "too_long");
    CHECK(c.problems.at("initials").message == "at most 4 characters");
}

TEST_CASE("signer fields: a pattern that would take too long refuses the value, without a crash or a hang",
          "[signer_fields]") {
    ir::SignerField f;
    f.name = "code";
    f.from = "client";
    f.type = "text";
    f.max = 100000;
    f.pattern = "([A-Z]+)+[0-9]";  // catastrophic backtracking for a backtracking matcher
    json given = {{"code", std::string(40, 'A')}};
    auto c = detail::check_fields({&f}, "client", given, data(), Instant{}, "2026-12-07");
    CHECK(problem(c, "code") == "pattern");
    // A long value against a simple pattern: no recursion per character.
    f.pattern = "[A-Za-z0-9 ,.]*";
    given["code"] = std::string(100000, 'a');
    CHECK(check_fields_ok(f, given));
}
