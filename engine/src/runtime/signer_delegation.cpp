// A signer hands their signature over to someone else (`sign [client]
// delegable`): from their signing page, in their turn, once. The role's
// values become the delegate's (the one who handed over is kept as
// `on_behalf_of`), the earlier links stop working, the delegate is asked
// with a link of their own. Timers run on, as after a correction.
#include "shard.hpp"

#include "signflow/base/address.hpp"
#include "signflow/base/utf8.hpp"
#include "signflow/engine/data_keys.hpp"
#include "signflow/engine/time.hpp"

#include <algorithm>

namespace signflow::engine::detail {
using nlohmann::json;

namespace {

std::string text_problem(json const& to, char const* key, std::size_t max_chars) {
    auto it = to.find(key);
    if (it == to.end() || !it->is_string() || it->get_ref<std::string const&>().empty())
        return std::string("the delegate's `") + key + "` is missing";
    std::string const& v = it->get_ref<std::string const&>();
    // Checked before anything is stored: invalid UTF-8 could not be written
    // back as the envelope's JSON.
    if (!base::utf8_valid(v)) return std::string("the delegate's `") + key + "` is not valid UTF-8";
    if (base::utf8_count(v) > max_chars || v.size() > 4 * max_chars)
        return std::string("the delegate's `") + key + "` is longer than " + std::to_string(max_chars) + " characters";
    if (std::any_of(v.begin(), v.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
        return std::string("the delegate's `") + key + "` holds control characters";
    return {};
}

}  // namespace

json Shard::on_behalf_of(Instance const& inst, std::string const& role) {
    json data = json::parse(inst.data, nullptr, false);
    if (!data.is_object() || !data.contains(data_key::roles) || !data[data_key::roles].is_object()) return nullptr;
    json const& who = data[data_key::roles].value(role, json());
    if (!who.is_object() || !who.contains("on_behalf_of") || !who["on_behalf_of"].is_object()) return nullptr;
    return who["on_behalf_of"];
}

void Shard::delegate_signer(std::int64_t id, std::string const& role, json const& to, Origin const& origin,
                            std::shared_ptr<Ticket> ticket, std::shared_ptr<Part> part) {
    Instant now = now_instant();
    Entry entry;
    entry.ticket = std::move(ticket);
    Instance* found = running(id, *part);
    if (!found) return ctx_.committer.submit(std::move(entry));
    Instance& inst = *found;
    Definition const& d = *inst.definition;
    auto refuse = [&](Outcome outcome, std::string why) {
        answer(std::move(entry), *part, outcome, {{"error", std::move(why)}, {"id", id}, {"role", role}});
    };
    if (!d.find_role(role)) return refuse(Outcome::not_found, "workflow `" + d.name() + "` has no role `" + role + "`");
    if (!turn_of(inst, role)) return refuse(Outcome::conflict, "it is not `" + role + "`'s turn to sign");
    auto const& may = d.ir().states[inst.state].delegable;
    if (std::find(may.begin(), may.end(), role) == may.end())
        return refuse(Outcome::conflict, "this step does not let `" + role + "` hand over (no `delegable`)");
    if (!to.is_object()) return refuse(Outcome::invalid, "give the delegate's name and email");
    for (auto const& [key, limit] : {std::pair{"name", std::size_t{200}}, std::pair{"email", std::size_t{254}}})
        if (auto p = text_problem(to, key, limit); !p.empty()) return refuse(Outcome::invalid, p);
    std::string const name = to["name"], email = to["email"];
    if (auto p = base::email_problem(email); !p.empty()) return refuse(Outcome::invalid, "the delegate's email: " + p);

    json data = json::parse(inst.data);
    json& roles = data[data_key::roles];
    if (!roles.is_object()) roles = json::object();
    json& who = roles[role];
    if (who.is_string()) who = json{{"email", who}};
    if (!who.is_object()) who = json::object();
    if (who.contains("on_behalf_of"))
        return refuse(Outcome::conflict, "`" + role + "` was handed over already: a delegate signs themselves");
    // Someone else: not the signer, nor another person of this envelope
    // (one person would then sign as two parties).
    auto lower = [](std::string s) {
        for (auto& c : s)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        return s;
    };
    for (auto const& [other, person] : roles.items()) {
        json const address = person.is_string() ? person : person.is_object() ? person.value("email", json()) : json();
        if (!address.is_string() || lower(address.get<std::string>()) != lower(email)) continue;
        return refuse(Outcome::invalid, other == role ? "the delegate's email is the signer's own"
                                                      : "the delegate's email is another person's of this envelope (" +
                                                            other + ")");
    }
    json const from = {{"name", who.value("name", json(""))}, {"email", who.value("email", json(""))}};
    // The delegate keeps the signer's language and time zone (reminders
    // stay where they were); a phone belongs to the one who handed over.
    who.erase("phone");
    who["name"] = name;
    who["email"] = email;
    who["on_behalf_of"] = from;
    data[data_key::corrected][role] = to_millis(now);  // the signer's own links stop working
    inst.data = data.dump();
    inst.updated_ms = to_millis(now);
    bool const sent = request_again(inst, role, now, entry.change);
    index_people(inst, entry.change);
    audit(id, &inst,
          {"signer_delegated", role, {{"role", role}, {"from", from}, {"to", {{"name", name}, {"email", email}}}},
           origin},
          now, entry.change);
    entry.change.instances.push_back(to_record(inst));
    part->outcome = Outcome::accepted;
    part->body = {{"id", id}, {"role", role}, {"delegated_to", {{"name", name}, {"email", email}}}, {"request_sent", sent}};
    ctx_.committer.submit(std::move(entry));
}

}  // namespace signflow::engine::detail
