#pragma once
// The compiled form of a workflow: a state machine as plain data. This is what
// the engine loads (without the source), what `compile --emit` prints, what
// `graph` draws, and what the content hash (the version id a running envelope
// is pinned to) is computed from. It carries no source positions, so layout
// and comments never change it.
//
// Execution model, in brief (docs/language.md has the whole story):
// - An instance starts in `start`; each trigger is a transition out of it.
// - On entering a state, its `entry` actions run; the timers it lists that the
//   previous state did not list are armed; timers the previous state listed
//   and this one does not are cancelled (so a step's expiry spans all the
//   states of the step).
// - A transition whose `to` equals its `from` is internal: no exit, no entry,
//   no timer changes.
// - `choice` states leave at once by the first transition whose guard holds.
// - A reaction's actions run with every transition its event takes.
// - Actions are requests for effects (documents, messages, connector calls);
//   the engine runs them through its outbox, never inside the transition.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace signflow::ir {

inline constexpr int format_version = 1;

// An optional value kept behind a pointer. Most transitions have no guard
// and most actions no data; std::optional<Expr> would spend a whole
// expression's size on each of them, and a daemon holds every loaded IR.
// Copies are deep and == compares values, so the IR stays plain data.
template <class T>
class Box {
public:
    Box() = default;
    Box(std::nullopt_t) {}
    Box(T value) : p_(std::make_unique<T>(std::move(value))) {}
    Box(std::optional<T> value) {
        if (value) p_ = std::make_unique<T>(std::move(*value));
    }
    Box(Box const& other) : p_(other.p_ ? std::make_unique<T>(*other.p_) : nullptr) {}
    Box(Box&&) noexcept = default;
    Box& operator=(Box const& other) {
        if (this != &other) p_ = other.p_ ? std::make_unique<T>(*other.p_) : nullptr;
        return *this;
    }
    Box& operator=(Box&&) noexcept = default;

    bool has_value() const { return p_ != nullptr; }
    explicit operator bool() const { return has_value(); }
    T& operator*() { return *p_; }
    T const& operator*() const { return *p_; }
    T* operator->() { return p_.get(); }
    T const* operator->() const { return p_.get(); }
    void reset() { p_.reset(); }

    friend bool operator==(Box const& a, Box const& b) {
        if (!a.p_ || !b.p_) return !a.p_ && !b.p_;
        return *a.p_ == *b.p_;
    }

private:
    std::unique_ptr<T> p_;
};

struct Expr {
    // literal: `type` is null|boolean|number|string|duration|time_of_day
    // path:    `path` (first segment: event, role, envelope)
    // list, object (keys), call (name), unary/binary (op)
    std::string kind;
    std::string type;    // literal type
    std::string text;    // string literal, function name or operator
    double number = 0;   // number/boolean literal; duration: minutes; time: minute of day
    std::vector<std::string> path;
    std::vector<std::string> keys;
    std::vector<Expr> args;
    bool operator==(Expr const&) const = default;
};

struct Role {
    std::string name;
    Expr source;  // evaluates to an email string or {name, email, phone, timezone, language}
    bool operator==(Role const&) const = default;
};

struct TemplateField {
    std::string name;
    Expr value;
    bool operator==(TemplateField const&) const = default;
};

struct Section {
    std::string name;
    Expr when;
    bool operator==(Section const&) const = default;
};

struct Attachment {
    std::string name;
    std::string from;  // role
    bool required = false;
    bool operator==(Attachment const&) const = default;
};

// A value a signer gives on the signing page (`field title from client:
// text`), drawn into the template's field `name` just before they sign.
struct SignerField {
    std::string name;
    std::string from;  // the role
    std::string type;  // text | number | date | checkbox | choice | radio | initials | date_signed
    std::vector<std::string> options;  // choice, radio
    std::optional<std::int64_t> min, max;  // text: length in characters; number: value
    std::string pattern;                   // text: ECMAScript regex the whole value matches ("" none)
    std::string label;                     // what the signing page calls it ("" the name, made readable)
    bool required = false;
    Box<Expr> when;  // asked only when this holds
    // A field the PDF lacks, added at fill time: page, x, y, width, height
    // (points from the page's lower left corner). Empty: the PDF's own field.
    std::vector<std::int64_t> at;
    bool operator==(SignerField const&) const = default;
};

struct Template {
    std::string name;
    std::string source;  // "stdlib:nda" or a PDF path relative to the rules folder
    std::vector<TemplateField> fields;
    std::vector<Section> sections;
    std::vector<Attachment> attachments;
    std::vector<SignerField> signer_fields;
    bool operator==(Template const&) const = default;
};

struct Quota {
    std::int64_t limit = 0;
    std::string period;  // day | week | month | year
    Box<Expr> key;
    bool operator==(Quota const&) const = default;
};

// What an action asks for. The IR's JSON and text name each kind by the
// word action_kind_name gives it.
enum class ActionKind : std::uint8_t {
    fill,               // fill a template (target: the template)
    request_signature,  // ask a role to sign (target: the role)
    remind,             // remind a role that has not signed
    warn_expiry,        // tell the pending signers the envelope expires soon
    send_code,          // send a role a one-time code (method: sms | email)
    notify,             // a message to a role, or a call to a connector
    invoke,             // a connector's operation
    archive,            // hand the envelope to an archive connector
    copy,               // a copy to a role that does not sign (`cc`): a link to read it, or the signed copy
};

std::string_view action_kind_name(ActionKind);
std::optional<ActionKind> action_kind_from(std::string_view);

// A request for an effect.
struct Action {
    ActionKind kind = ActionKind::notify;
    std::string target;     // template, role or connector
    std::string operation;  // invoke: the connector's operation, if named
    std::string method;     // send_code: sms | email
    std::int64_t attempts = 0;
    Box<Expr> data;
    // Run only when the instance entered by this event (e.g. "declined(client)").
    std::string only_on_event;
    // Run only for instances started by this trigger (index into triggers);
    // -1 for all. Set when a workflow has several triggers.
    int only_for_trigger = -1;
    bool operator==(Action const&) const = default;
};

struct Timer {
    std::string id;
    std::string kind;  // reminder | expiry | warning | delay | timeout
    std::int64_t after_minutes = 0;   // from the moment it is armed
    std::int64_t every_minutes = 0;   // reminder: the interval
    std::optional<int> at_minute_of_day;  // reminder: a local time of day
    std::string zone_of;              // whose time zone `at` is in (a role); empty: the workflow's
    std::int64_t max_count = 0;       // reminder: 0 = until the state is left
    std::string role;                 // reminder/warning: who is reminded
    std::string cancel_on;            // an event that stops it early (e.g. "signed(client)")
    bool operator==(Timer const&) const = default;
};

struct State {
    std::string name;
    // start | fill | signing | verifying | waiting | awaiting_event | choice | final
    std::string kind;
    std::vector<std::string> signers;  // signing: the routing group
    std::vector<std::string> delegable;  // signing: the signers who may hand over (`delegable`)
    std::vector<Action> entry;
    std::vector<std::string> timers;  // ids in Workflow::timers
    bool operator==(State const&) const = default;
};

struct Transition {
    std::string from;
    // An external event (`form_submitted`), a signer event (`signed(client)`,
    // `declined(client)`, `verified(client)`, `verification_failed(client)`),
    // `all_signed`, `done`, `error`, `timer(ID)`, or `always` (choice states).
    std::string event;
    Box<Expr> guard;
    std::vector<Action> actions;
    std::string to;
    bool operator==(Transition const&) const = default;
};

// Actions that run whenever an event happens, in whatever state it finds the
// instance (`on signed by client notify manager`). Kept apart from the
// transitions so that a handler is stored once, not once per transition the
// event can take.
struct Reaction {
    std::string event;  // e.g. "signed(client)"
    std::vector<Action> actions;
    bool operator==(Reaction const&) const = default;
};

struct Trigger {
    std::string event;
    Box<Expr> guard;
    bool operator==(Trigger const&) const = default;
};

struct Workflow {
    int format = format_version;
    std::string name;
    std::string timezone;  // default zone for signers without one; empty: the daemon's
    std::vector<Role> roles;
    std::vector<Template> templates;
    std::vector<Quota> quotas;
    std::vector<Trigger> triggers;
    std::vector<State> states;
    std::vector<Transition> transitions;
    std::vector<Reaction> reactions;
    std::vector<Timer> timers;
    bool operator==(Workflow const&) const = default;
};

// Where an action is delivered: the one place this is decided. The engine
// stores the answer on the action's outbox row (its route), the dispatcher
// reads it there, the daemon accepts rules by the connectors it names, the
// simulator shows messages in the recipient's time, and the checker asks
// the same question of a step before lowering (lane_of).
enum class Lane : std::uint8_t {
    documents,  // fill: the `documents` connector
    messages,   // a message to one or more roles: the `messages` connector
    connector,  // a named connector (invoke, archive to a name, notify a non-role)
    log,        // archive without a name: the daemon's default connector
};

struct Route {
    Lane lane = Lane::log;
    std::string connector;  // the connector that delivers (empty: log)
    bool operator==(Route const&) const = default;
};

// `target_is_role`: the action's target names one of the workflow's roles.
Lane lane_of(ActionKind kind, bool target_is_role, bool has_target);
Route route_of(Action const& action, Workflow const& workflow);

}  // namespace signflow::ir
