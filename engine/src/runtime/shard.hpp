#pragma once
// A shard owns a share of the running envelopes (those whose id modulo the
// shard count is its index), their pending timers and the index of which of
// them await which external event. Everything here runs on the shard's
// strand, so an envelope sees one event at a time, in order, without locks.
//
// Timers: a TimerQueue (timer_queue.hpp: by due time, arm and cancel in
// O(log n)) and one Asio timer set to the earliest.
#include "audit_trail.hpp"
#include "context.hpp"
#include "dispatcher.hpp"
#include "timer_queue.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/system_timer.hpp>
#include <boost/asio/strand.hpp>

#include <deque>

#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace signflow::engine::detail {

// One shard's contribution to an answer.
struct Part {
    nlohmann::json started = nlohmann::json::array();
    nlohmann::json correlated = nlohmann::json::array();
    nlohmann::json refused = nlohmann::json::array();
    Outcome outcome = Outcome::ok;  // for single-envelope requests: the answer's outcome
    nlohmann::json body;
};

// Every outbox row a shard writes: pending and due now. `connector` is who
// delivers it (ir::route_of for an action's row).
OutboxRecord outbox_row(std::string key, std::int64_t instance, std::string_view kind, std::string target,
                        std::string connector, std::string payload, Instant now);

// Its methods live in three files along its seams: shard.cpp (applying and
// recording events, timers, documents), shard_audit.cpp (the audit chain and
// lifecycle webhooks) and signer_acts.cpp (codes, uploads, evidence).
// Whether it is `role`'s turn to sign now (signer_corrections.cpp).
bool turn_of(Instance const& inst, std::string const& role);
// The envelope's people as search terms, into the change (people_index.cpp).
void index_people(Instance const& inst, Change& change);
// An operator's own act (signer_corrections.cpp): the key is the actor,
// named in the detail (`api_key`: id and name).
AuditFact operator_fact(std::string kind, nlohmann::json detail, Origin origin);

class Shard {
public:
    Shard(boost::asio::io_context& io, Context& ctx, unsigned index);

    boost::asio::strand<boost::asio::io_context::executor_type>& strand() { return strand_; }

    // Start-up (before the io_context runs): restore what the store holds.
    void adopt(Instance instance);
    void adopt_timer(TimerRecord const& t);
    void resume();  // arms the wake-up timer; late timers fire once

    // These run on the strand; each submits exactly one Entry to the
    // committer (part of `ticket`), even when it changed nothing.
    void start(DefinitionPtr def, int trigger, std::shared_ptr<nlohmann::json const> data, std::int64_t id,
               std::shared_ptr<Ticket> ticket, std::shared_ptr<Part> part, std::int64_t batch = 0);
    void correlate(std::string const& event, std::shared_ptr<nlohmann::json const> data,
                   std::shared_ptr<Ticket> ticket, std::shared_ptr<Part> part);
    // A signer's act that moves the machine (signed, declined, verified, …);
    // Runtime::signer, by contrast, returns a signer's view.
    void apply_signer_event(std::int64_t id, std::string const& event, std::shared_ptr<nlohmann::json const> data,
                            Origin const& origin, std::shared_ptr<Ticket> ticket, std::shared_ptr<Part> part);
    void cancel(std::int64_t id, std::string const& reason, Origin const& origin, std::shared_ptr<Ticket> ticket,
                std::shared_ptr<Part> part);
    // A delivery that ended (see DeliveryEnd): its row, its audit entry and, for
    // a fill, the `done` it answers, in one change. No answer.
    void delivered(std::int64_t id, DeliveryEnd outcome);
    // Evidence without a state change (viewed, consent_given).
    // The fields `role` fills in the document being signed, before their
    // signature: checked, kept in the envelope's data (ROLE.fields) and put
    // on the signature's event data (`fields`: its audit entry, and what the
    // sign action draws). False, with the answer in `part`, when a value
    // does not pass. `kept` receives the data as it was (for a signature the
    // machine then refuses).
    bool signer_fields(Instance& inst, std::string const& role, nlohmann::json& event_data, Instant now, Part& part,
                       std::string& kept);
    void record_fact(std::int64_t id, std::string const& role, AuditFact fact, std::shared_ptr<Ticket> ticket,
                     std::shared_ptr<Part> part);
    void check_code(std::int64_t id, std::string const& role, std::string const& attempt, Origin const& origin,
                    std::shared_ptr<Ticket> ticket, std::shared_ptr<Part> part);
    void attachment(AttachmentRecord file, Origin const& origin, std::shared_ptr<Ticket> ticket,
                    std::shared_ptr<Part> part);
    // A new one-time code for a signer being verified (the last one expired
    // or never arrived): another send_code delivery; the new code replaces
    // the old when it goes out.
    void resend_code(std::int64_t id, std::string const& role, Origin const& origin, std::shared_ptr<Ticket> ticket,
                     std::shared_ptr<Part> part);
    // An operator's corrections (signer_corrections.cpp): a signer's
    // contact details, and the signing request sent again.
    void correct_signer(std::int64_t id, std::string const& role, nlohmann::json const& changes, Origin const& origin,
                        std::shared_ptr<Ticket> ticket, std::shared_ptr<Part> part);
    void resend_request(std::int64_t id, std::string const& role, Origin const& origin, std::shared_ptr<Ticket> ticket,
                        std::shared_ptr<Part> part);
    // A request's answer that changes nothing (a refusal): `part` says it,
    // the ticket's entry goes to the committer as it is.
    void answer(Entry entry, Part& part, Outcome outcome, nlohmann::json body);
    // {name, email} of the signer `role`'s delegate signs for (null: none).
    static nlohmann::json on_behalf_of(Instance const& inst, std::string const& role);
    // A signer hands their signature over (signer_delegation.cpp): `to`
    // holds the delegate's name and email.
    void delegate_signer(std::int64_t id, std::string const& role, nlohmann::json const& to, Origin const& origin,
                         std::shared_ptr<Ticket> ticket, std::shared_ptr<Part> part);
    // A signing request to `role` now (its state's request_signature action):
    // false when it is not their turn.
    bool request_again(Instance& inst, std::string const& role, Instant now, Change& change);
    // Start-up: the audit chain's head of a running envelope.
    void adopt_audit_head(std::int64_t id, std::int64_t seq, std::string hash);

    void stop();  // cancels the wake-up timer (on the strand)
    std::size_t size() const { return instances_.size(); }

private:
    // Applies one event and adds what it changed to `change`.
    bool apply(Instance& inst, Event const& e, Instant now, Change& change, std::string* refusal,
               Origin const& origin = {});
    void record(Instance& inst, Step const& step, std::vector<std::string>&& trace, Instant now, Change& change,
                std::string const& event, nlohmann::json const* event_data, Origin const& origin, bool start);
    // The document work an event asks for: a signature on the document after
    // `signed(ROLE)`, the seal when the envelope completes.
    void document_work(Instance& inst, std::string_view event, nlohmann::json const* event_data, Origin const& origin,
                       Instant now, Change& change);
    // Chains one fact to envelope `id`'s trail (running: `inst`; ended: the
    // cache of heads, else the store).
    void audit(std::int64_t id, Instance* inst, AuditFact fact, Instant now, Change& change);
    // The lifecycle events a fact is (webhooks out), as deliveries to the
    // subscribed connectors, in the same change.
    void announce(Instance& inst, AuditFact const& fact, std::int64_t seq, Instant now, Change& change);
    // What a webhook says of its envelope.
    struct Announced {
        std::int64_t id = 0;
        std::string workflow, version, state, status;
    };
    void announce_to(Announced const& e, std::vector<std::string> const& events, AuditFact const& fact,
                     std::int64_t seq, Instant now, Change& change);
    void timers(Instance const& inst, Step const& step, Change& change);
    void awaiting(Instance const& inst, StateId from);
    void forget(Instance const& inst);
    void not_running(std::int64_t id, Part& part);
    // The running envelope `id`; null once `part` says it has ended or does
    // not exist (the caller still submits its entry).
    Instance* running(std::int64_t id, Part& part);
    void arm(std::int64_t instance, TimerId timer, std::int64_t due_ms, std::int64_t fired);
    void disarm(std::int64_t instance, TimerId timer);
    void schedule();
    void fire_due();
    nlohmann::json summary(Instance const& inst) const;
    InstanceRecord to_record(Instance const& inst) const;

    Context& ctx_;
    boost::asio::strand<boost::asio::io_context::executor_type> strand_;
    boost::asio::system_timer wake_;
    bool firing_ = false;  // in fire_due: it schedules the next wake itself
    std::int64_t wake_at_ = 0;  // when wake_ is set to fire (ms since epoch); 0: not set
    std::unordered_map<std::int64_t, Instance> instances_;
    TimerQueue pending_;  // the envelopes' armed timers
    std::unordered_map<std::string, std::unordered_set<std::int64_t>> awaiting_;
    // Audit heads of envelopes that ended, for the entries that come after
    // (connector calls, the seal); bounded, oldest forgotten first. A head
    // not here is read from the store: by then its entries are committed.
    struct Ended {
        AuditHead head;
        std::string zone;
    };
    std::unordered_map<std::int64_t, Ended> ended_;
    std::deque<std::int64_t> ended_order_;
    std::int64_t overdue_ = 0;    // this shard's share of Metrics::timers_overdue
    std::string code_secret_;     // the one-time-code key (RuntimeOptions, else the store's), read once
    bool stopped_ = false;
};

}  // namespace signflow::engine::detail
