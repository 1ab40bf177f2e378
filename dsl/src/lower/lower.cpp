// Lowering: a checked syntax tree becomes the IR state machine.
//
// Each trigger's chain is lowered back to front, so every step knows where it
// continues. Steps that wait for something (fill, sign, verify, wait, wait
// for) become states; steps that only request an effect (notify, invoke,
// archive) become actions on the transition into whatever comes next, so they
// never hold an envelope up. A branch becomes a `choice` state. Handlers
// become entry actions of the final states (`completed`, `declined`, …) or,
// for `on signed by ROLE`, a reaction to `signed(ROLE)`. Names are deterministic (a repeated
// name gets `#2`), and states are finally ordered by a walk from `start`, so
// the same workflow always lowers to the same IR, and so to the same hash.
#include "signflow/dsl/compile.hpp"

#include "syntax/lexical.hpp"

#include <algorithm>
#include <deque>
#include <filesystem>
#include <map>
#include <set>

namespace signflow::dsl {
namespace {

// The IR is built with push_back, so its vectors hold up to twice the room
// they need; a daemon keeps every loaded IR for as long as it runs, so the
// slack of the large, numerous vectors (states, transitions, actions,
// expressions) is given back once here.
template <class T>
void shrink(std::vector<T>& v) {
    v.shrink_to_fit();
}
void compact(ir::Expr& e) {
    shrink(e.path);
    shrink(e.keys);
    shrink(e.args);
    for (auto& a : e.args) compact(a);
}
void compact(ir::Action& a) {
    if (a.data) compact(*a.data);
}
void compact(ir::Workflow& w) {
    for (auto& r : w.roles) compact(r.source);
    for (auto& t : w.templates) {
        for (auto& f : t.fields) compact(f.value);
        for (auto& s : t.sections) compact(s.when);
    }
    for (auto& s : w.states) {
        shrink(s.entry);
        shrink(s.timers);
        shrink(s.signers);
        for (auto& a : s.entry) compact(a);
    }
    for (auto& t : w.transitions) {
        shrink(t.actions);
        for (auto& a : t.actions) compact(a);
        if (t.guard) compact(*t.guard);
    }
    for (auto& r : w.reactions)
        for (auto& a : r.actions) compact(a);
    shrink(w.states);
    shrink(w.transitions);
    shrink(w.timers);
    shrink(w.roles);
    shrink(w.templates);
}

// Where a lowered chain continues: a state, entered with these actions.
struct Target {
    std::string state;
    std::vector<ir::Action> actions;
};

class Lowering {
public:
    Lowering(SourceFile const& source, ast::File const& file, Catalog const& catalog)
        : source_(source), file_(file), catalog_(catalog) {}

    ir::Workflow run() {
        declarations();
        add_state("start", "start");
        int index = 0;
        int triggers = 0;
        for (auto const& item : file_.items)
            if (std::holds_alternative<ast::Trigger>(item)) ++triggers;
        for (auto const& item : file_.items)
            if (auto const* t = std::get_if<ast::Trigger>(&item)) trigger(*t, triggers > 1 ? index++ : -1);
        order();
        compact(w_);
        return std::move(w_);
    }

private:
    SourceFile const& source_;
    ast::File const& file_;
    Catalog const& catalog_;
    ir::Workflow w_;
    std::set<std::string> role_names_;
    std::map<std::string, int> name_uses_;
    std::map<std::string, int> counters_;
    std::set<std::string> finals_;
    int trigger_index_ = -1;
    // Names and numbers are given in source order by plan() before the
    // chain is lowered back to front, so `expire#1` is the first sign step's
    // and the first `awaiting(client)` is the one written first.
    std::map<ast::Step const*, std::vector<std::string>> names_;
    std::map<ast::Step const*, std::string> numbers_;

    // ---- expressions

    ir::Expr expr(ast::Expr const& e) const {
        ir::Expr out;
        auto literal = [&](char const* type) {
            out.kind = "literal";
            out.type = type;
        };
        switch (e.kind) {
        case ast::ExprKind::string: literal("string"), out.text = e.text; break;
        case ast::ExprKind::number: literal("number"), out.number = e.number; break;
        case ast::ExprKind::boolean: literal("boolean"), out.number = e.number; break;
        case ast::ExprKind::null: literal("null"); break;
        case ast::ExprKind::duration:
            literal("duration"), out.number = static_cast<double>(e.duration.minutes());
            break;
        case ast::ExprKind::time_of_day: literal("time_of_day"), out.number = e.minute_of_day; break;
        case ast::ExprKind::path:
            out.kind = "path";
            if (role_names_.count(e.path.front().name)) out.path.push_back("role");
            for (auto const& seg : e.path) out.path.push_back(seg.name);
            break;
        case ast::ExprKind::list: out.kind = "list"; break;
        case ast::ExprKind::object:
            out.kind = "object";
            for (auto const& k : e.keys) out.keys.push_back(k.name);
            break;
        case ast::ExprKind::call: out.kind = "call", out.text = e.text; break;
        case ast::ExprKind::unary: out.kind = "unary", out.text = ast::op_text(e.op); break;
        case ast::ExprKind::binary: out.kind = "binary", out.text = ast::op_text(e.op); break;
        }
        for (auto const& o : e.operands) out.args.push_back(expr(o));
        return out;
    }

    ir::Box<ir::Expr> expr(std::optional<ast::Expr> const& e) const {
        if (!e) return {};
        return expr(*e);
    }

    // ---- declarations

    void declarations() {
        // Without a `workflow` line the file's stem names it; a file name
        // may hold any bytes, the IR only UTF-8 names: keep [A-Za-z0-9_.-].
        w_.name = std::filesystem::path(source_.path()).stem().string();
        for (char& c : w_.name)
            if (!lexical::is_identifier(std::string(1, c)) && !(c >= '0' && c <= '9') && c != '-' && c != '.') c = '_';
        std::set<std::string> signers;
        bool declared = false;
        for (auto const& item : file_.items) {
            if (auto const* d = std::get_if<ast::WorkflowDecl>(&item)) w_.name = d->name.name;
            if (auto const* z = std::get_if<ast::TimezoneDecl>(&item)) w_.timezone = z->zone;
            if (std::holds_alternative<ast::RoleDecl>(item)) declared = true;
            if (auto const* t = std::get_if<ast::Trigger>(&item)) ast::collect_signers(t->steps, signers);
        }
        if (declared) {
            for (auto const& item : file_.items)
                if (auto const* r = std::get_if<ast::RoleDecl>(&item)) role_names_.insert(r->name.name);
            for (auto const& item : file_.items)
                if (auto const* r = std::get_if<ast::RoleDecl>(&item))
                    w_.roles.push_back({r->name.name, expr(r->value)});
        } else {
            // Implicit roles: each signer is read from the triggering event.
            role_names_ = signers;
            for (auto const& name : signers) {
                ir::Expr source;
                source.kind = "path";
                source.path = {"event", "signers", name};
                w_.roles.push_back({name, source});
            }
        }
        for (auto const& item : file_.items) {
            if (auto const* t = std::get_if<ast::TemplateDecl>(&item)) {
                ir::Template tpl;
                tpl.name = t->name.name;
                tpl.source = t->file ? *t->file : "stdlib:" + (t->stock.size() == 2 ? t->stock[1].name : "");
                for (auto const& f : t->fields) tpl.fields.push_back({f.field.name, expr(f.value)});
                for (auto const& s : t->sections) tpl.sections.push_back({s.section.name, expr(s.condition)});
                for (auto const& a : t->attachments) tpl.attachments.push_back({a.name.name, a.from.name, a.required});
                for (auto const& f : t->signer_fields) {
                    ir::SignerField out;
                    out.name = f.name.name;
                    out.from = f.from.name;
                    out.type = f.type.name;
                    out.options = f.options;
                    out.min = f.min;
                    out.max = f.max;
                    out.pattern = f.pattern.value_or("");
                    out.label = f.label.value_or("");
                    out.required = f.required;
                    if (f.condition) out.when = expr(*f.condition);
                    if (f.place.size() >= 5) out.at.assign(f.place.begin(), f.place.begin() + 5);
                    tpl.signer_fields.push_back(std::move(out));
                }
                w_.templates.push_back(std::move(tpl));
            }
            if (auto const* q = std::get_if<ast::QuotaDecl>(&item)) {
                ir::Quota quota;
                quota.limit = q->limit;
                quota.period = q->period.name;
                if (q->key) quota.key = expr(*q->key);
                w_.quotas.push_back(std::move(quota));
            }
        }
    }


    // A stock template filled without a declaration still belongs in the IR.
    void use_template(std::string const& name) {
        for (auto const& t : w_.templates)
            if (t.name == name) return;
        if (catalog_.find_template(name)) w_.templates.push_back({name, "stdlib:" + name, {}, {}, {}, {}});
    }

    // ---- states and transitions

    std::string unique(std::string const& base) {
        int n = ++name_uses_[base];
        return n == 1 ? base : base + "#" + std::to_string(n);
    }

    ir::State& add_state(std::string name, std::string kind) {
        ir::State s;
        s.name = std::move(name);
        s.kind = std::move(kind);
        w_.states.push_back(std::move(s));
        return w_.states.back();
    }

    ir::State* find_state(std::string const& name) {
        for (auto& s : w_.states)
            if (s.name == name) return &s;
        return nullptr;
    }

    std::string final_state(std::string const& name) {
        if (finals_.insert(name).second) add_state(name, "final");
        return name;
    }

    void transition(std::string from, std::string event, Target const& to, ir::Box<ir::Expr> guard = {},
                    std::vector<ir::Action> extra = {}) {
        ir::Transition t;
        t.from = std::move(from);
        t.event = std::move(event);
        t.guard = std::move(guard);
        t.actions = std::move(extra);
        t.actions.insert(t.actions.end(), to.actions.begin(), to.actions.end());
        t.to = to.state;
        w_.transitions.push_back(std::move(t));
    }

    std::string counter(std::string const& what) { return std::to_string(++counters_[what]); }

    // ---- triggers and chains

    void trigger(ast::Trigger const& t, int index) {
        trigger_index_ = index;
        plan(t.steps);
        Target entry = chain(t.steps, Target{final_state("completed"), {}});
        // `cc [...] on sent`: the copies go out as the envelope starts, before
        // its first step's actions; `on completed`: with the completion.
        std::vector<ir::Action> sent;
        for (auto const& c : t.copies)
            for (auto const& who : c.to) {
                ir::Action copy;
                copy.kind = ir::ActionKind::copy;
                copy.target = who.name;
                if (c.moment.name == "sent") {
                    sent.push_back(std::move(copy));
                } else {
                    copy.only_for_trigger = trigger_index_;
                    find_state(final_state("completed"))->entry.push_back(std::move(copy));
                }
            }
        entry.actions.insert(entry.actions.begin(), sent.begin(), sent.end());
        transition("start", t.event.name, entry, expr(t.where));
        w_.triggers.push_back({t.event.name, expr(t.where)});
        for (auto const& h : t.handlers) handler(h);
    }

    void plan(std::vector<ast::Step> const& steps) {
        for (auto const& s : steps) {
            switch (s.kind) {
            case ast::StepKind::fill:
                if (!s.parts.empty()) {
                    plan(s.parts);
                    break;
                }
                // `fill T when COND`: a choice state before the fill.
                if (s.condition) numbers_[&s] = counter("branch");
                names_[&s] = {unique("filling(" + s.target.name + ")")};
                break;
            case ast::StepKind::verify: names_[&s] = {unique("verifying(" + s.target.name + ")")}; break;
            case ast::StepKind::wait:
                names_[&s] = {unique("waiting(" + lexical::duration_text(s.delay.minutes()) + ")")};
                numbers_[&s] = counter("delay");
                break;
            case ast::StepKind::wait_for:
                names_[&s] = {unique("awaiting(" + s.target.name + ")")};
                if (s.timeout) numbers_[&s] = counter("timeout");
                break;
            case ast::StepKind::branch:
                numbers_[&s] = counter("branch");
                for (auto const& arm : s.arms) plan(arm.steps);
                break;
            case ast::StepKind::sign:
                numbers_[&s] = counter("sign");
                for (auto const& g : s.groups) {
                    // A name, not a list: a group of hundreds is named by its
                    // first signers, so names stay short and transitions small.
                    std::string label;
                    for (std::size_t i = 0; i < g.size() && i < 4; ++i) label += (i ? ", " : "") + g[i].name;
                    if (g.size() > 4) label += ", +" + std::to_string(g.size() - 4);
                    names_[&s].push_back(unique("awaiting(" + label + ")"));
                }
                break;
            default: break;
            }
        }
    }

    Target chain(std::vector<ast::Step> const& steps, Target next) {
        for (auto it = steps.rbegin(); it != steps.rend(); ++it) next = step(*it, std::move(next));
        return next;
    }

    ir::Action effect(ast::Step const& s) const {
        ir::Action a;
        a.kind = s.kind == ast::StepKind::notify   ? ir::ActionKind::notify
                 : s.kind == ast::StepKind::invoke ? ir::ActionKind::invoke
                                                   : ir::ActionKind::archive;
        a.target = s.target.name;
        if (s.operation) a.operation = s.operation->name;
        if (s.data) a.data = expr(*s.data);
        return a;
    }

    Target step(ast::Step const& s, Target next) {
        switch (s.kind) {
        case ast::StepKind::notify:
        case ast::StepKind::invoke:
        case ast::StepKind::archive:
            next.actions.insert(next.actions.begin(), effect(s));
            return next;
        case ast::StepKind::fill: {
            if (!s.parts.empty()) return chain(s.parts, std::move(next));
            use_template(s.target.name);
            std::string name = names_.at(&s)[0];
            ir::Action fill;
            fill.kind = ir::ActionKind::fill;
            fill.target = s.target.name;
            if (s.data) fill.data = expr(*s.data);
            add_state(name, "fill").entry.push_back(std::move(fill));
            if (!s.condition) {
                transition(name, "done", next);
                transition(name, "error", {final_state("failed"), {}});
                return {name, {}};
            }
            // Effects after a conditional fill run once, from a join state
            // (as after a branch), not copied onto both ways on.
            std::string branch = "branch#" + numbers_.at(&s);
            add_state(branch, "choice");
            if (!next.actions.empty()) {
                std::string join = "join#" + numbers_.at(&s);
                add_state(join, "choice");
                transition(join, "always", next);
                next = Target{join, {}};
            }
            transition(name, "done", next);
            transition(name, "error", {final_state("failed"), {}});
            transition(branch, "always", {name, {}}, expr(s.condition));
            transition(branch, "always", next);
            return {branch, {}};
        }
        case ast::StepKind::verify: {
            std::string const& who = s.target.name;
            std::string name = names_.at(&s)[0];
            ir::Action code;
            code.kind = ir::ActionKind::send_code;
            code.target = who;
            code.method = s.method.name;
            code.attempts = s.attempts.value_or(3);
            add_state(name, "verifying").entry.push_back(std::move(code));
            transition(name, "verified(" + who + ")", next);
            transition(name, "verification_failed(" + who + ")", {final_state("failed"), {}});
            return {name, {}};
        }
        case ast::StepKind::wait: {
            std::string name = names_.at(&s)[0];
            ir::Timer timer;
            timer.id = "delay#" + numbers_.at(&s);
            timer.kind = "delay";
            timer.after_minutes = s.delay.minutes();
            add_state(name, "waiting").timers.push_back(timer.id);
            transition(name, "timer(" + timer.id + ")", next);
            w_.timers.push_back(std::move(timer));
            return {name, {}};
        }
        case ast::StepKind::wait_for: {
            std::string name = names_.at(&s)[0];
            auto& state = add_state(name, "awaiting_event");
            if (s.timeout) {
                ir::Timer timer;
                timer.id = "timeout#" + numbers_.at(&s);
                timer.kind = "timeout";
                timer.after_minutes = s.timeout->minutes();
                state.timers.push_back(timer.id);
                transition(name, "timer(" + timer.id + ")", {final_state("expired"), {}});
                w_.timers.push_back(std::move(timer));
            }
            transition(name, s.target.name, next, expr(s.where));
            return {name, {}};
        }
        case ast::StepKind::branch: {
            std::string name = "branch#" + numbers_.at(&s);
            add_state(name, "choice");
            // Effects after the branch run once, from a join state, instead of
            // being copied onto the exit of every arm.
            if (!next.actions.empty() && s.arms.size() > 1) {
                std::string join = "join#" + numbers_.at(&s);
                add_state(join, "choice");
                transition(join, "always", next);
                next = Target{join, {}};
            }
            bool otherwise = false;
            for (auto const& arm : s.arms) {
                Target to = chain(arm.steps, next);
                transition(name, "always", to, expr(arm.condition));
                otherwise = otherwise || !arm.condition;
            }
            if (!otherwise) transition(name, "always", next);
            return {name, {}};
        }
        case ast::StepKind::sign: return sign(s, std::move(next));
        }
        return next;
    }

    Target sign(ast::Step const& s, Target next) {
        std::string step_no = numbers_.at(&s);
        std::vector<std::string> step_timers;
        ast::Expire const* expire = s.expiries.empty() ? nullptr : &s.expiries.front();
        std::string expire_id, warn_id;
        if (expire) {
            ir::Timer timer;
            expire_id = timer.id = "expire#" + step_no;
            timer.kind = "expiry";
            timer.after_minutes = expire->after.minutes();
            w_.timers.push_back(timer);
            step_timers.push_back(expire_id);
            if (expire->warn) {
                ir::Timer warn;
                warn_id = warn.id = "warn#" + step_no;
                warn.kind = "warning";
                warn.after_minutes = expire->after.minutes() - expire->warn->minutes();
                w_.timers.push_back(warn);
                step_timers.push_back(warn_id);
            }
        }
        auto const& group_names = names_.at(&s);
        for (std::size_t gi = s.groups.size(); gi-- > 0;) {
            std::vector<std::string> who;
            for (auto const& id : s.groups[gi]) who.push_back(id.name);
            std::string const& name = group_names[gi];
            auto& state = add_state(name, "signing");
            state.signers = who;
            state.timers = step_timers;
            for (auto const& n : who) {
                bool const named = s.delegable.empty() ? false
                                   : s.delegable.front().roles.empty()
                                       ? true
                                       : std::any_of(s.delegable.front().roles.begin(), s.delegable.front().roles.end(),
                                                     [&](ast::Ident const& r) { return r.name == n; });
                if (named) state.delegable.push_back(n);
            }
            for (auto const& n : who) {
                ir::Action request;
                request.kind = ir::ActionKind::request_signature;
                request.target = n;
                state.entry.push_back(std::move(request));
            }
            for (auto const& r : s.reminders)
                for (auto const& n : who) {
                    ir::Timer timer;
                    timer.id = "remind#" + step_no + "(" + n + ")";
                    timer.kind = "reminder";
                    timer.after_minutes = timer.every_minutes = r.every.minutes();
                    timer.at_minute_of_day = r.at_minute_of_day;
                    if (r.at_minute_of_day) timer.zone_of = n;
                    timer.max_count = r.at_most.value_or(0);
                    timer.role = n;
                    timer.cancel_on = "signed(" + n + ")";
                    state.timers.push_back(timer.id);
                    ir::Action remind;
                    remind.kind = ir::ActionKind::remind;
                    remind.target = n;
                    transition(name, "timer(" + timer.id + ")", {name, {}}, std::nullopt, {remind});
                    // (a signer appears once per step and a step has one
                    // `remind`: the checker saw to it, so ids are unique)
                    w_.timers.push_back(std::move(timer));
                }
            if (who.size() == 1) {
                transition(name, "signed(" + who[0] + ")", next);
            } else {
                for (auto const& n : who) transition(name, "signed(" + n + ")", {name, {}});
                transition(name, "all_signed", next);
            }
            for (auto const& n : who) transition(name, "declined(" + n + ")", {final_state("declined"), {}});
            if (expire) {
                transition(name, "timer(" + expire_id + ")", {final_state("expired"), {}});
                if (!warn_id.empty()) {
                    ir::Action warn;
                    warn.kind = ir::ActionKind::warn_expiry;
                    transition(name, "timer(" + warn_id + ")", {name, {}}, std::nullopt, {warn});
                }
            }
            next = Target{name, {}};
        }
        return next;
    }

    void handler(ast::Handler const& h) {
        std::vector<ir::Action> actions;
        for (auto const& a : h.actions) {
            ir::Action action = effect(a);
            action.only_for_trigger = trigger_index_;
            actions.push_back(std::move(action));
        }
        std::string const& o = h.outcome.name;
        if (o == "signed" && h.by) {
            std::string event = "signed(" + h.by->name + ")";
            auto r = std::find_if(w_.reactions.begin(), w_.reactions.end(),
                                  [&](ir::Reaction const& x) { return x.event == event; });
            if (r == w_.reactions.end()) r = w_.reactions.insert(w_.reactions.end(), ir::Reaction{event, {}});
            r->actions.insert(r->actions.end(), actions.begin(), actions.end());
            return;
        }
        ir::State* state = find_state(final_state(o));
        for (auto& a : actions) {
            if (h.by) a.only_on_event = o + "(" + h.by->name + ")";
            state->entry.push_back(std::move(a));
        }
    }

    // States in the order a walk from `start` meets them; transitions grouped
    // by their source in that order.
    void order() {
        std::map<std::string, std::vector<std::size_t>> out;
        for (std::size_t i = 0; i < w_.transitions.size(); ++i) out[w_.transitions[i].from].push_back(i);
        std::vector<std::string> seen_order;
        std::set<std::string> seen{"start"};
        std::deque<std::string> queue{"start"};
        while (!queue.empty()) {
            std::string s = queue.front();
            queue.pop_front();
            seen_order.push_back(s);
            for (auto i : out[s])
                if (seen.insert(w_.transitions[i].to).second) queue.push_back(w_.transitions[i].to);
        }
        for (auto const& s : w_.states)
            if (seen.insert(s.name).second) seen_order.push_back(s.name);
        std::map<std::string, std::size_t> rank;
        for (std::size_t i = 0; i < seen_order.size(); ++i) rank[seen_order[i]] = i;
        std::stable_sort(w_.states.begin(), w_.states.end(),
                         [&](ir::State const& a, ir::State const& b) { return rank[a.name] < rank[b.name]; });
        std::stable_sort(w_.transitions.begin(), w_.transitions.end(),
                         [&](ir::Transition const& a, ir::Transition const& b) { return rank[a.from] < rank[b.from]; });
        std::map<std::string, std::size_t> timer_rank;
        for (auto const& s : w_.states)
            for (auto const& t : s.timers) timer_rank.emplace(t, timer_rank.size());
        std::stable_sort(w_.timers.begin(), w_.timers.end(), [&](ir::Timer const& a, ir::Timer const& b) {
            return timer_rank[a.id] < timer_rank[b.id];
        });
    }
};

}  // namespace

ir::Workflow lower(SourceFile const& source, ast::File const& file, Catalog const& catalog) {
    return Lowering(source, file, catalog).run();
}

}  // namespace signflow::dsl
