// A signer's acts that do not move the machine by themselves: evidence
// (viewed, consent), one-time codes (checked, sent again) and uploads.
#include "shard.hpp"

#include "../machine/signer_fields.hpp"
#include "audit_trail.hpp"
#include "signflow/engine/data_keys.hpp"
#include "signflow/evidence/audit.hpp"
#include "signflow/evidence/otp.hpp"

#include <algorithm>

namespace signflow::engine::detail {
using nlohmann::json;

namespace {

// New codes a signer may ask for in one verification (each is a message to
// their phone or mailbox: a cap keeps the link from being used to flood it).
constexpr int max_resends = 5;

}  // namespace

bool Shard::signer_fields(Instance& inst, std::string const& role, json& event_data, Instant now, Part& part,
                          std::string& kept) {
    std::string zone = zone_of(*inst.definition, inst, role, ctx_.options.default_zone);
    auto problems = take_fields(inst, role, event_data, now, zone, kept);
    if (problems.empty()) return true;
    json listed = json::object();
    std::string first;
    for (auto const& [name, p] : problems) {
        listed[name] = {{"code", p.code}, {"message", p.message}};
        if (!p.bound.empty()) listed[name]["bound"] = p.bound;
        if (first.empty()) first = "field `" + name + "`: " + p.message;
    }
    part.outcome = Outcome::invalid;
    part.body = {{"error", first}, {"id", inst.id}, {"fields", std::move(listed)}};
    return false;
}

void Shard::record_fact(std::int64_t id, std::string const& role, AuditFact fact, std::shared_ptr<Ticket> ticket,
                        std::shared_ptr<Part> part) {
    Entry entry;
    entry.ticket = std::move(ticket);
    Instance* found = running(id, *part);  // null: answered already
    if (found && !found->definition->find_role(role)) {
        part->outcome = Outcome::not_found;
        part->body = {{"error", "no role `" + role + "` in workflow " + found->definition->name()}, {"id", id}};
    } else if (found) {
        fact.actor = role;
        audit(id, found, std::move(fact), now_instant(), entry.change);
        part->outcome = Outcome::accepted;
        part->body = {{"id", id}, {"recorded", entry.change.audit.back().kind}, {"seq", entry.change.audit.back().seq}};
    }
    ctx_.committer.submit(std::move(entry));
}

void Shard::check_code(std::int64_t id, std::string const& role, std::string const& attempt, Origin const& origin,
                       std::shared_ptr<Ticket> ticket, std::shared_ptr<Part> part) {
    Instant now = now_instant();
    Entry entry;
    entry.ticket = std::move(ticket);
    Instance* found = running(id, *part);
    if (!found) return ctx_.committer.submit(std::move(entry));
    Instance& inst = *found;
    json data = json::parse(inst.data);
    json* stored =
        data.contains(data_key::codes) && data[data_key::codes].contains(role) ? &data[data_key::codes][role] : nullptr;
    if (!stored) {
        part->outcome = Outcome::conflict;
        part->body = {{"error", "no code has been sent to `" + role + "` in this envelope"}, {"id", id}};
        ctx_.committer.submit(std::move(entry));
        return;
    }
    auto record = evidence::code_record_from_json(*stored);
    if (code_secret_.empty())
        code_secret_ = ctx_.options.code_secret.empty() ? ctx_.store.secret("one-time-codes") : ctx_.options.code_secret;
    std::string const& secret = code_secret_;
    auto result = evidence::check_code(record, secret, std::to_string(id) + "/" + role, attempt, to_millis(now));
    *stored = evidence::to_json(record);
    inst.data = data.dump();
    json detail = {{"attempt", record.attempts}, {"max_attempts", record.max_attempts}};
    if (result == evidence::CodeCheck::verified) {
        audit(id, &inst, {"code_verified", role, std::move(detail), origin}, now, entry.change);
        std::string refusal;
        std::string const event = "verified(" + role + ")";
        if (apply(inst, Event{event}, now, entry.change, &refusal, origin)) {
            part->outcome = Outcome::accepted;
            part->body = {{"id", id}, {"verified", true}, {"state", entry.change.instances.back().state}};
        } else {
            // The envelope was not waiting for this role's verification: the
            // code matched, and the trail says so, but nothing moves.
            entry.change.instances.push_back(to_record(inst));
            part->outcome = Outcome::conflict;
            part->body = {{"error", refusal}, {"id", id}, {"verified", true}};
        }
    } else {
        detail["result"] = std::string(evidence::to_string(result));
        audit(id, &inst, {"code_failed", role, detail, origin}, now, entry.change);
        bool locked = result == evidence::CodeCheck::locked ||
                      (result == evidence::CodeCheck::wrong && record.attempts >= record.max_attempts);
        std::string const event = "verification_failed(" + role + ")";
        if (!locked || !apply(inst, Event{event}, now, entry.change, nullptr, origin))
            entry.change.instances.push_back(to_record(inst));
        bool used = result == evidence::CodeCheck::used;
        part->outcome = result == evidence::CodeCheck::expired ? Outcome::code_expired
                        : used                                 ? Outcome::code_used
                                                               : Outcome::wrong_code;
        part->body = {{"error", result == evidence::CodeCheck::expired ? "the code has expired"
                                : used   ? "this code has been used already"
                                : locked ? "wrong code; no attempts left: the verification has failed"
                                         : "wrong code"},
                      {"id", id},
                      {"result", evidence::to_string(result)},
                      {"attempts_left", std::max(0, record.max_attempts - record.attempts)}};
    }
    ctx_.committer.submit(std::move(entry));
}

void Shard::attachment(AttachmentRecord file, Origin const& origin, std::shared_ptr<Ticket> ticket,
                       std::shared_ptr<Part> part) {
    Entry entry;
    entry.ticket = std::move(ticket);
    std::int64_t id = file.envelope;
    Instance* found = running(id, *part);
    if (!found) return ctx_.committer.submit(std::move(entry));
    // The request must exist: `attach NAME from ROLE` in one of the
    // workflow's templates, for this role.
    bool requested = false;
    for (auto const& t : (*found).definition->ir().templates)
        for (auto const& a : t.attachments)
            if (a.name == file.name && a.from == file.role) requested = true;
    if (!requested) {
        part->outcome = Outcome::not_found;
        part->body = {{"error", "the workflow asks `" + file.role + "` for no attachment named `" + file.name + "`"},
                      {"id", id}};
        ctx_.committer.submit(std::move(entry));
        return;
    }
    json detail = {{"name", file.name},           {"file_name", file.file_name}, {"media_type", file.media_type},
                   {"sha256", file.sha256},       {"bytes", file.bytes.size()}};
    std::string role = file.role;
    entry.change.attachments.push_back(std::move(file));
    audit(id, &(*found), {"attachment_uploaded", role, std::move(detail), origin}, now_instant(), entry.change);
    part->outcome = Outcome::created;
    part->body = {{"id", id}, {"attachment", entry.change.attachments.back().name},
                  {"sha256", entry.change.attachments.back().sha256}};
    ctx_.committer.submit(std::move(entry));
}

void Shard::resend_code(std::int64_t id, std::string const& role, Origin const& origin,
                        std::shared_ptr<Ticket> ticket, std::shared_ptr<Part> part) {
    Instant now = now_instant();
    Entry entry;
    entry.ticket = std::move(ticket);
    Instance* found = running(id, *part);
    if (!found) return ctx_.committer.submit(std::move(entry));
    Instance& inst = *found;
    Definition const& d = *inst.definition;
    ir::Action const* send = nullptr;
    if (d.state(inst.state).kind == StateKind::verifying)
        for (auto const& a : d.ir().states[inst.state].entry)
            if (a.kind == ir::ActionKind::send_code && a.target == role) send = &a;
    json data = json::parse(inst.data);
    int resent = data[data_key::resent].is_object() ? data[data_key::resent].value(role, 0) : 0;
    if (!send) {
        part->outcome = Outcome::conflict;
        part->body = {{"error", "`" + role + "` is not being verified now"}, {"id", id},
                      {"state", d.state_name(inst.state)}};
    } else if (resent >= max_resends) {
        part->outcome = Outcome::over_limit;
        part->body = {{"error", "no more new codes for `" + role + "` in this envelope (" +
                                    std::to_string(max_resends) + " were sent)"},
                      {"id", id}};
    } else {
        data[data_key::resent][role] = resent + 1;
        inst.data = data.dump();
        json who = data[data_key::roles].is_object() ? data[data_key::roles].value(role, json::object()) : json::object();
        who["role"] = role;
        entry.change.outbox_added.push_back(outbox_row(
            std::to_string(id) + "." + std::to_string(inst.seq) + ".code" + std::to_string(resent + 1), id,
            "send_code", role, ir::route_of(*send, d.ir()).connector,
            json{{"workflow", d.name()}, {"method", send->method}, {"attempts", send->attempts}, {"to", who}}.dump(),
            now));
        audit(id, &inst, {"code_requested", role, {{"method", send->method}, {"resend", resent + 1}}, origin}, now,
              entry.change);
        entry.change.instances.push_back(to_record(inst));
        part->outcome = Outcome::accepted;
        part->body = {{"id", id}, {"resend", resent + 1}, {"left", max_resends - resent - 1}};
    }
    ctx_.committer.submit(std::move(entry));
}

}  // namespace signflow::engine::detail
