#pragma once
// A deterministic generator of realistic, varied, valid `.flow` workflows,
// shared by the benchmarks (compile_bench, compile_memory) and by
// gen_workflows (which writes them to a folder for scripts/bench-check.sh).
//
//   bench::WorkflowGenerator gen(seed);
//   std::string text = gen.workflow(i);   // the i-th workflow: same (seed, i), same text
//   auto set = bench::generate_set(10000); // the benchmark set (seed bench::default_seed)
//
// What the workflows contain, in varying amounts and combinations: comments
// (standalone and trailing), `workflow`, `timezone`, roles (event paths,
// email strings, person objects, function calls), templates (stock
// `stdlib.*` with typed fields and choice values, PDF files with free
// fields; `show … when`, `attach … from … [required]`), quotas (with and
// without a key), one to three triggers with `where` conditions, and chains
// of `fill … with {…}`, `verify … by …, at most N attempts`, `sign` in all
// three routing styles (sequentially, in parallel, groups with `then`) with
// `remind every … [at HH:MM local][, at most N times]` and `expire after …,
// warn … before`, `wait D`, `wait for EVENT where … timeout D`, nested
// `when … { … } otherwise when … { … } otherwise { … }` branches, notify /
// invoke / archive steps with object data, and outcome handlers (`on
// completed`, `on declined [by R]`, `on expired`, `on failed`, `on signed by
// R`).
//
// Validity rules the generator follows (the checker's): every `fill` comes
// before every `sign` on its chain; attachments and `verify` name roles that
// sign; reminders come before the expiry and reminders at a time of day use
// whole days; handlers name outcomes the chain can produce and run only
// notify/invoke/archive, never the same action twice; no duplicate signers,
// keys, fields, quotas or attachments; conditions are never constant.
// Callers that need certainty compile the output (the tools all do).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace bench {

inline constexpr std::uint64_t default_seed = 0x5157'f10e'2024'0001ULL;

// SplitMix64: tiny, fast, and the same sequence on every platform (the
// standard distributions are not).
class Rng {
public:
    explicit Rng(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    // Uniform in [lo, hi].
    int range(int lo, int hi) { return lo + static_cast<int>(next() % static_cast<std::uint64_t>(hi - lo + 1)); }
    bool chance(int percent) { return range(1, 100) <= percent; }
    template <class T>
    T const& pick(std::vector<T> const& v) {
        return v[static_cast<std::size_t>(range(0, static_cast<int>(v.size()) - 1))];
    }
    // k distinct items of v (k <= v.size()), in random order.
    template <class T>
    std::vector<T> sample(std::vector<T> v, std::size_t k) {
        for (std::size_t i = 0; i < k && i < v.size(); ++i) {
            std::size_t j = i + static_cast<std::size_t>(next() % (v.size() - i));
            std::swap(v[i], v[j]);
        }
        v.resize(std::min(k, v.size()));
        return v;
    }

private:
    std::uint64_t state_;
};

class WorkflowGenerator {
public:
    explicit WorkflowGenerator(std::uint64_t seed = default_seed) : seed_(seed) {}

    // The i-th workflow of this generator's sequence.
    std::string workflow(std::uint64_t index) const {
        Rng rng(seed_ ^ (index * 0xD6E8FEB86659FD93ULL + 0x632BE59BD9B4E019ULL));
        Builder b(rng, index);
        return b.build();
    }

private:
    std::uint64_t seed_;

    struct StockTemplate {
        std::string name;
        std::vector<std::pair<std::string, char>> fields;  // s(tring), n(umber), b(oolean), c(urrency)
        std::vector<std::string> sections;
    };

    static std::vector<StockTemplate> const& stock() {
        static std::vector<StockTemplate> const t{
            {"nda",
             {{"client_name", 's'}, {"client_email", 's'}, {"client_company", 's'}, {"effective_date", 's'},
              {"term_months", 'n'}, {"governing_law", 's'}, {"fee", 'n'}, {"currency", 'c'}},
             {"payment", "non_solicitation"}},
            {"service_agreement",
             {{"client_name", 's'}, {"client_company", 's'}, {"provider_name", 's'}, {"service_description", 's'},
              {"start_date", 's'}, {"end_date", 's'}, {"monthly_fee", 'n'}, {"currency", 'c'},
              {"payment_terms_days", 'n'}, {"auto_renew", 'b'}},
             {"payment_schedule", "service_levels", "international_terms"}},
            {"invoice",
             {{"invoice_number", 's'}, {"customer_name", 's'}, {"customer_address", 's'}, {"issue_date", 's'},
              {"due_date", 's'}, {"amount", 'n'}, {"tax_rate", 'n'}, {"currency", 'c'}, {"notes", 's'},
              {"paid", 'b'}},
             {"bank_details", "late_fees"}},
        };
        return t;
    }

    class Builder {
    public:
        Builder(Rng& rng, std::uint64_t index) : r_(rng), index_(index) {}

        std::string build() {
            plan();
            header();
            for (auto const& role : roles_) role_decl(role);
            if (!roles_.empty()) out_ += "\n";
            for (auto const& t : templates_) template_decl(t);
            quotas();
            for (std::size_t i = 0; i < triggers_.size(); ++i) trigger(triggers_[i], i);
            return std::move(out_);
        }

    private:
        Rng& r_;
        std::uint64_t index_;
        std::string out_;

        struct Template {
            std::string name;
            int stock = -1;  // index into stock(), or -1: a PDF file
        };
        struct Trigger {
            std::vector<std::string> signers;  // roles that sign in this chain
        };

        std::vector<std::string> roles_;
        std::vector<Template> templates_;
        std::vector<Trigger> triggers_;
        std::vector<std::string> all_signers_;

        // ---- vocabulary

        std::vector<std::string> const& role_pool() {
            static std::vector<std::string> const v{"client",  "manager", "legal",    "finance", "witness",
                                                    "partner", "cfo",     "reviewer", "hr",      "vendor",
                                                    "sales",   "counsel"};
            return v;
        }
        std::vector<std::string> const& domains() {
            static std::vector<std::string> const v{"acme.example", "globex.example", "initech.example",
                                                    "umbrella.example", "hooli.example"};
            return v;
        }
        std::vector<std::string> const& events() {
            static std::vector<std::string> const v{"form_submitted", "deal_won",       "contract_requested",
                                                    "employee_hired", "invoice_issued", "renewal_due",
                                                    "vendor_onboarded", "quote_accepted"};
            return v;
        }
        std::vector<std::string> const& wait_events() {
            static std::vector<std::string> const v{"payment_received", "documents_uploaded", "approval_granted",
                                                    "kyc_passed",       "budget_confirmed",   "po_created"};
            return v;
        }
        std::vector<std::string> const& connectors() {
            static std::vector<std::string> const v{"crm", "slack", "erp", "webhook", "hubspot", "s3", "drive",
                                                    "teams"};
            return v;
        }
        std::vector<std::string> const& operations() {
            static std::vector<std::string> const v{"update_deal", "post",   "create_record", "sync",
                                                    "upload",      "notify", "close_ticket",  "log_event"};
            return v;
        }
        std::vector<std::string> const& zones() {
            static std::vector<std::string> const v{"Europe/Berlin", "Asia/Shanghai", "America/New_York", "UTC",
                                                    "Europe/London", "Asia/Singapore", "Australia/Sydney",
                                                    "America/Sao_Paulo"};
            return v;
        }
        std::vector<std::string> const& words() {
            static std::vector<std::string> const v{"client",  "amount",  "region",  "plan",   "owner",  "deal",
                                                    "company", "country", "tier",    "budget", "seats",  "form",
                                                    "contact", "address", "account", "source", "status", "priority"};
            return v;
        }

        // ---- expressions

        std::string path() {
            if (r_.chance(4)) return "envelope." + std::string(r_.chance(50) ? "id" : "created_at");
            if (!all_signers_.empty() && r_.chance(6))
                return r_.pick(all_signers_) + "." + (r_.chance(50) ? "email" : "name");
            std::string p = "event." + r_.pick(words());
            int extra = r_.range(0, 2);
            for (int i = 0; i < extra; ++i) p += "." + r_.pick(words());
            return p;
        }
        std::string string_lit() {
            static std::vector<std::string> const v{"EU",       "US",         "APAC",          "enterprise",
                                                    "standard", "nda",        "renewal",       "urgent",
                                                    "Acme GmbH", "Net 30",    "signed \\\"as is\\\"", "line\\nbreak",
                                                    "tab\\there", "über-Vertrag", "合同",          "%Y-%m-%d"};
            return "\"" + r_.pick(v) + "\"";
        }
        std::string number_lit() {
            switch (r_.range(0, 2)) {
            case 0: return std::to_string(r_.range(0, 100));
            case 1: return std::to_string(r_.range(100, 1000000));
            default: return std::to_string(r_.range(0, 999)) + "." + std::to_string(r_.range(0, 99));
            }
        }
        // Any-typed value (event data, calls returning any).
        std::string any_value(int depth) {
            int k = r_.range(0, depth > 0 ? 9 : 6);
            switch (k) {
            case 0:
            case 1:
            case 2:
            case 3: return path();
            case 4: return "coalesce(" + path() + ", " + path() + ")";
            case 5: return "coalesce(" + path() + ", " + string_lit() + ")";
            case 6: return path();
            default: return "coalesce(" + any_value(depth - 1) + ", " + number_lit() + ")";
            }
        }
        std::string string_value(int depth) {
            switch (r_.range(0, depth > 0 ? 8 : 5)) {
            case 0: return string_lit();
            case 1: return "lower(" + path() + ")";
            case 2: return "upper(" + path() + ")";
            case 3: return "trim(" + path() + ")";
            case 4: return "format_date(" + path() + ", \"%Y-%m-%d\")";
            case 5: return path();
            case 6: return "concat(" + string_value(depth - 1) + ", \" \", " + string_value(depth - 1) + ")";
            case 7: return string_value(depth - 1) + " + " + string_value(depth - 1);
            default: return "coalesce(" + path() + ", " + string_lit() + ")";
            }
        }
        std::string number_value(int depth) {
            switch (r_.range(0, depth > 0 ? 8 : 4)) {
            case 0: return number_lit();
            case 1: return path();
            case 2: return "length(" + path() + ")";
            case 3: return "days_until(" + path() + ")";
            case 4: return "round(" + path() + ", 2)";
            case 5: return number_value(depth - 1) + " * " + number_value(depth - 1);
            case 6: return "(" + number_value(depth - 1) + " + " + number_value(depth - 1) + ") / " +
                           std::to_string(r_.range(1, 12));
            case 7: return "-" + path();
            default: return number_value(depth - 1) + " - " + number_lit();
            }
        }
        // A boolean condition that is never constant.
        std::string condition(int depth) {
            switch (r_.range(0, depth > 0 ? 11 : 6)) {
            case 0: return path() + " == " + string_lit();
            case 1: return path() + " != " + string_lit();
            case 2: return number_value(0) + " > " + number_lit();
            case 3: return path() + " <= " + number_value(0);
            case 4: return path() + " in [" + string_lit() + ", " + string_lit() + ", " + string_lit() + "]";
            case 5: return "contains(" + path() + ", " + string_lit() + ")";
            case 6: return path() + " not in [" + string_lit() + ", " + string_lit() + "]";
            case 7: return condition(depth - 1) + " and " + condition(depth - 1);
            case 8: return condition(depth - 1) + " or " + condition(depth - 1);
            case 9: return "not (" + condition(depth - 1) + ")";
            case 10: return "(" + condition(depth - 1) + " or " + condition(depth - 1) + ") and " +
                            condition(depth - 1);
            default: return path() + " >= " + number_value(1) + " and " + path();
            }
        }
        std::string value(int depth) {
            switch (r_.range(0, depth > 0 ? 7 : 4)) {
            case 0: return string_value(depth);
            case 1: return number_value(depth);
            case 2: return any_value(depth);
            case 3: return r_.chance(50) ? "true" : "false";
            case 4: return path();
            case 5: return "[" + value(0) + ", " + value(0) + "]";
            case 6: return object(depth - 1, r_.range(1, 3));
            default: return condition(0);
            }
        }
        std::string object(int depth, int keys) {
            auto names = r_.sample(words(), static_cast<std::size_t>(keys));
            std::string s = "{ ";
            for (std::size_t i = 0; i < names.size(); ++i) {
                if (i) s += ", ";
                std::string key = names[i];
                if (r_.chance(10)) key = "\"" + key + "-id\"";
                s += key + ": " + value(depth);
            }
            return s + " }";
        }

        // ---- durations

        std::string duration_minutes(std::int64_t minutes) {
            if (minutes % 10080 == 0 && r_.chance(50)) return std::to_string(minutes / 10080) + "w";
            if (minutes % 1440 == 0) return std::to_string(minutes / 1440) + "d";
            if (minutes % 60 == 0) return std::to_string(minutes / 60) + "h";
            return std::to_string(minutes) + "m";
        }
        std::string any_duration() {
            switch (r_.range(0, 3)) {
            case 0: return std::to_string(r_.range(5, 120)) + "m";
            case 1: return std::to_string(r_.range(1, 48)) + "h";
            case 2: return std::to_string(r_.range(1, 30)) + "d";
            default: return std::to_string(r_.range(1, 4)) + "w";
            }
        }

        // ---- the plan: who signs where, which templates exist

        void plan() {
            int nroles = r_.range(2, 6);
            auto names = r_.sample(role_pool(), static_cast<std::size_t>(nroles));
            bool declare = r_.chance(85);  // otherwise signers are implicit roles
            int ntriggers = r_.chance(70) ? 1 : r_.range(2, 3);
            for (int t = 0; t < ntriggers; ++t) {
                Trigger tr;
                std::size_t k = static_cast<std::size_t>(r_.range(1, std::min(4, nroles)));
                tr.signers = r_.sample(names, k);
                triggers_.push_back(tr);
                for (auto const& s : tr.signers)
                    if (std::find(all_signers_.begin(), all_signers_.end(), s) == all_signers_.end())
                        all_signers_.push_back(s);
            }
            if (declare) {
                // Every declared role is used: signers, plus the others as notify targets.
                roles_ = names;
                unsigned_ = {};
                for (auto const& n : names)
                    if (std::find(all_signers_.begin(), all_signers_.end(), n) == all_signers_.end())
                        unsigned_.push_back(n);
            }
            int ntemplates = r_.range(0, 3);
            std::vector<std::string> tnames{"contract", "agreement", "offer_letter", "order_form", "sow",
                                            "addendum", "invoice_doc", "consent"};
            for (auto const& n : r_.sample(tnames, static_cast<std::size_t>(ntemplates))) {
                Template t;
                t.name = n;
                t.stock = r_.chance(70) ? r_.range(0, 2) : -1;
                templates_.push_back(t);
            }
        }
        std::vector<std::string> unsigned_;  // declared roles that never sign

        // ---- declarations

        void comment_line(std::string const& text) { out_ += "# " + text + "\n"; }

        void header() {
            if (r_.chance(60)) {
                comment_line("Generated workflow " + std::to_string(index_) + ": " + r_.pick(events()) + " flow");
                if (r_.chance(30)) comment_line("Owner: " + r_.pick(role_pool()) + "@" + r_.pick(domains()));
                out_ += "\n";
            }
            if (r_.chance(90)) out_ += "workflow " + r_.pick(events()) + "_" + std::to_string(index_) + "\n";
            if (r_.chance(60)) out_ += "timezone \"" + r_.pick(zones()) + "\"\n";
            out_ += "\n";
        }

        void role_decl(std::string const& name) {
            out_ += "role " + name + " = ";
            switch (r_.range(0, 5)) {
            case 0:
            case 1: out_ += "event." + name; break;
            case 2: out_ += "\"" + name + "@" + r_.pick(domains()) + "\""; break;
            case 3:
                out_ += "{ name: event." + name + ".name, email: lower(event." + name + ".email)";
                if (r_.chance(50)) out_ += ", phone: event." + name + ".phone";
                if (r_.chance(40)) out_ += ", timezone: \"" + r_.pick(zones()) + "\"";
                if (r_.chance(30)) out_ += ", language: \"de\"";
                out_ += " }";
                break;
            case 4: out_ += "coalesce(event." + name + ", \"" + name + "@" + r_.pick(domains()) + "\")"; break;
            default: out_ += "event.parties." + name; break;
            }
            if (r_.chance(15)) out_ += "  # " + r_.pick(words()) + " contact";
            out_ += "\n";
        }

        void template_decl(Template const& t) {
            if (r_.chance(30)) comment_line("The " + t.name + " document");
            out_ += "template " + t.name + " = ";
            if (t.stock >= 0) {
                out_ += "stdlib." + stock()[static_cast<std::size_t>(t.stock)].name;
            } else {
                out_ += "\"templates/" + t.name + "_v" + std::to_string(r_.range(1, 9)) + ".pdf\"";
            }
            std::vector<std::string> items;
            if (t.stock >= 0) {
                auto const& spec = stock()[static_cast<std::size_t>(t.stock)];
                auto fields = r_.sample(spec.fields, static_cast<std::size_t>(r_.range(0, 6)));
                for (auto const& [name, type] : fields) items.push_back(name + " = " + field_value(type));
                for (auto const& s : r_.sample(spec.sections, static_cast<std::size_t>(r_.range(0, 2))))
                    items.push_back("show " + s + " when " + condition(1));
            } else {
                int n = r_.range(0, 5);
                auto names = r_.sample(words(), static_cast<std::size_t>(n));
                for (auto const& w : names) items.push_back(w + "_field = " + value(1));
            }
            if (!all_signers_.empty() && r_.chance(45)) {
                std::vector<std::string> att{"passport", "id_card", "proof_of_address", "w9", "bank_letter"};
                for (auto const& a : r_.sample(att, static_cast<std::size_t>(r_.range(1, 2))))
                    items.push_back("attach " + a + " from " + r_.pick(all_signers_) +
                                    (r_.chance(50) ? " required" : ""));
            }
            // Shuffle the body a little: fields, shows and attachments interleave.
            items = r_.sample(items, items.size());
            if (!items.empty()) {
                out_ += " {\n";
                for (auto const& i : items) out_ += "  " + i + "\n";
                out_ += "}";
            }
            out_ += "\n\n";
        }

        std::string field_value(char type) {
            switch (type) {
            case 'n': return number_value(1);
            case 'b': return r_.chance(30) ? (r_.chance(50) ? "true" : "false") : condition(0);
            case 'c': {
                static std::vector<std::string> const cur{"USD", "EUR", "GBP", "CNY", "JPY", "SGD", "AUD"};
                return r_.chance(70) ? "\"" + r_.pick(cur) + "\"" : path();
            }
            default: return string_value(1);
            }
        }

        void quotas() {
            int n = r_.range(0, 2);
            std::vector<std::string> periods{"day", "week", "month", "year"};
            for (auto const& p : r_.sample(periods, static_cast<std::size_t>(n))) {
                out_ += "quota " + std::to_string(r_.range(1, 5000)) + " envelopes per " + p;
                if (r_.chance(60)) out_ += " per event." + r_.pick(words());
                out_ += "\n";
            }
            if (n) out_ += "\n";
        }

        // ---- triggers

        std::string role_target() {
            // Notify a role (signing or not), or a connector.
            if (!unsigned_.empty() && r_.chance(40)) {
                std::string const& who = r_.pick(unsigned_);
                used_roles_.push_back(who);
                return who;
            }
            if (r_.chance(50)) return r_.pick(all_signers_);
            return r_.pick(connectors());
        }

        std::string effect() {
            switch (r_.range(0, 2)) {
            case 0: {
                std::string s = "notify " + role_target();
                if (r_.chance(15))
                    s += " with concat(\"Envelope \", envelope.id, \" \", " + string_value(0) + ")";
                else if (r_.chance(45))
                    s += " with " + object(1, r_.range(1, 3));
                return s;
            }
            case 1: {
                std::string s = "invoke " + r_.pick(connectors());
                if (r_.chance(70)) s += "." + r_.pick(operations());
                if (r_.chance(60)) s += " with " + object(1, r_.range(1, 4));
                return s;
            }
            default: return r_.chance(60) ? "archive to " + r_.pick(connectors()) : "archive";
            }
        }

        std::string fill_step() {
            std::string s = "fill ";
            int stock_index;
            if (!templates_.empty() && r_.chance(75)) {
                auto const& t = r_.pick(templates_);
                s += t.name;
                used_templates_.push_back(t.name);
                stock_index = t.stock;
            } else {
                stock_index = r_.range(0, 2);
                s += stock()[static_cast<std::size_t>(stock_index)].name;
            }
            if (r_.chance(60)) {
                std::string data = "{ ";
                if (stock_index >= 0) {
                    auto const& spec = stock()[static_cast<std::size_t>(stock_index)];
                    auto f = r_.sample(spec.fields, static_cast<std::size_t>(r_.range(1, 4)));
                    for (std::size_t i = 0; i < f.size(); ++i)
                        data += (i ? ", " : "") + f[i].first + ": " + field_value(f[i].second);
                } else {
                    auto w = r_.sample(words(), static_cast<std::size_t>(r_.range(1, 4)));
                    for (std::size_t i = 0; i < w.size(); ++i) data += (i ? ", " : "") + w[i] + ": " + value(1);
                }
                s += " with " + data + " }";
            }
            return s;
        }
        std::vector<std::string> used_templates_;
        std::vector<std::string> used_roles_;  // of unsigned_

        template <class V>
        static bool has(V const& v, std::string const& s) {
            return std::find(v.begin(), v.end(), s) != v.end();
        }

        std::string signer_list(std::vector<std::string> const& who) {
            std::string s = "[";
            for (std::size_t i = 0; i < who.size(); ++i) s += (i ? ", " : "") + who[i];
            return s + "]";
        }

        // One `sign` step over `who` (non-empty, distinct); options on the
        // following lines at `indent`.
        std::string sign_step(std::vector<std::string> const& who, std::string const& indent, bool& expires) {
            std::string s = "sign ";
            int style = who.size() == 1 ? (r_.chance(50) ? 2 : 0) : r_.range(0, 2);
            if (style == 0) {
                s += "sequentially " + signer_list(who);
            } else if (style == 1) {
                s += "in parallel " + signer_list(who);
            } else {
                // groups: split `who` into consecutive runs
                std::size_t i = 0;
                bool first = true;
                while (i < who.size()) {
                    std::size_t n = static_cast<std::size_t>(r_.range(1, static_cast<int>(who.size() - i)));
                    s += (first ? "" : " then ") +
                         signer_list(std::vector<std::string>(who.begin() + static_cast<long>(i),
                                                              who.begin() + static_cast<long>(i + n)));
                    first = false;
                    i += n;
                }
            }
            // Options: expiry in days; reminders shorter than it.
            std::int64_t expire_days = r_.range(3, 60);
            bool has_expire = r_.chance(65);
            bool has_remind = r_.chance(70);
            std::vector<std::string> opts;
            if (has_remind) {
                std::string o = "remind every ";
                bool at_time = r_.chance(45);
                std::int64_t max_every = has_expire ? expire_days - 1 : 14;
                if (at_time || r_.chance(60)) {
                    o += duration_minutes(1440LL * r_.range(1, static_cast<int>(std::min<std::int64_t>(max_every, 7))));
                } else {
                    o += std::to_string(r_.range(1, 23)) + "h";
                    at_time = false;
                }
                if (at_time) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "%02d:%02d", r_.range(6, 20), r_.pick(std::vector<int>{0, 15, 30, 45}));
                    o += " at " + std::string(buf);
                    if (r_.chance(70)) o += " local";
                }
                if (r_.chance(50)) o += ", at most " + std::to_string(r_.range(1, 10)) + " times";
                opts.push_back(o);
            }
            if (has_expire) {
                expires = true;
                std::string o = "expire after " + duration_minutes(1440 * expire_days);
                if (r_.chance(60)) o += ", warn " + duration_minutes(1440LL * r_.range(1, static_cast<int>(expire_days - 1))) + " before";
                opts.push_back(o);
            }
            if (opts.size() == 2 && r_.chance(30)) std::swap(opts[0], opts[1]);
            for (auto const& o : opts) s += "\n" + indent + "  " + o;
            return s;
        }

        std::string wait_for_step(bool& expires) {
            std::string s = "wait for " + r_.pick(wait_events());
            if (r_.chance(60)) s += " where " + condition(1);
            if (r_.chance(50)) {
                s += " timeout " + any_duration();
                expires = true;
            }
            return s;
        }

        // A `when` step whose arms run `inner` steps (no fill; a sign only
        // when `allow_sign`), nested to `depth`.
        std::string branch_step(std::string const& indent, int depth, bool allow_sign,
                                std::vector<std::string> const& signers, bool& expires) {
            std::string s = "when " + condition(1) + " {\n";
            int arms = r_.range(1, 3);
            bool otherwise = r_.chance(60);
            for (int a = 0; a < arms + (otherwise ? 1 : 0); ++a) {
                if (a > 0) {
                    s += indent + (a == arms ? "} otherwise {\n" : "} otherwise when " + condition(1) + " {\n");
                }
                int n = r_.range(1, 3);
                for (int k = 0; k < n; ++k) {
                    std::string step;
                    int kind = r_.range(0, 9);
                    if (kind <= 4)
                        step = effect();
                    else if (kind == 5)
                        step = "wait " + any_duration();
                    else if (kind == 6)
                        step = wait_for_step(expires);
                    else if (kind == 7 && allow_sign)
                        step = sign_step(r_.sample(signers, static_cast<std::size_t>(r_.range(1, static_cast<int>(signers.size())))),
                                         indent + "  ", expires);
                    else if (kind == 8 && depth > 0)
                        step = branch_step(indent + "  ", depth - 1, allow_sign, signers, expires);
                    else
                        step = effect();
                    s += indent + "  " + (k ? "-> " : "") + step + "\n";
                }
            }
            return s + indent + "}";
        }

        void trigger(Trigger const& t, std::size_t index) {
            if (r_.chance(40)) comment_line("Trigger " + std::to_string(index + 1) + ": who signs: " + signer_list(t.signers));
            out_ += "on " + r_.pick(events());
            if (r_.chance(75)) out_ += " where " + condition(2);
            out_ += "\n";
            std::string const ind = "  ";
            auto line = [&](std::string const& step) { out_ += ind + "-> " + step + "\n"; };
            bool expires = false;
            // Before signing: effects, fills, waits.
            if (r_.chance(30)) line(effect());
            bool last = index + 1 == triggers_.size();
            int fills = r_.range(1, 2);
            for (int i = 0; i < fills; ++i) {
                line(fill_step() + (r_.chance(10) ? "  # prefilled from the form" : ""));
            }
            // The last trigger fills every declared template no chain has used yet.
            if (last)
                for (auto const& tpl : templates_)
                    if (!has(used_templates_, tpl.name)) {
                        used_templates_.push_back(tpl.name);
                        line("fill " + tpl.name);
                    }
            if (r_.chance(25)) line("wait for " + r_.pick(wait_events()) + (r_.chance(50) ? " where " + condition(0) : ""));
            // Verification and signing: split the signers over one or two sign steps.
            std::vector<std::string> remaining = t.signers;
            int signs = remaining.size() > 1 && r_.chance(35) ? 2 : 1;
            std::vector<std::vector<std::string>> steps;
            if (signs == 2) {
                std::size_t cut = static_cast<std::size_t>(r_.range(1, static_cast<int>(remaining.size()) - 1));
                steps.emplace_back(remaining.begin(), remaining.begin() + static_cast<long>(cut));
                steps.emplace_back(remaining.begin() + static_cast<long>(cut), remaining.end());
            } else {
                steps.push_back(remaining);
            }
            for (std::size_t i = 0; i < steps.size(); ++i) {
                if (r_.chance(35)) {
                    std::string v = "verify " + r_.pick(steps[i]) + " by " + (r_.chance(50) ? "sms" : "email");
                    if (r_.chance(50)) v += ", at most " + std::to_string(r_.range(1, 5)) + " attempts";
                    line(v);
                }
                line(sign_step(steps[i], ind, expires));
                if (i + 1 < steps.size() && r_.chance(40)) line("wait " + any_duration());
            }
            // After signing.
            int after = r_.range(0, 4);
            for (int i = 0; i < after; ++i) {
                int kind = r_.range(0, 9);
                if (kind <= 3)
                    line(effect());
                else if (kind <= 5)
                    line(branch_step(ind, r_.range(0, 2), true, t.signers, expires));
                else if (kind == 6)
                    line("wait " + any_duration());
                else if (kind == 7)
                    line(wait_for_step(expires));
                else
                    line(effect());
            }
            // The last trigger notifies every declared role nothing has used yet.
            if (last)
                for (auto const& who : unsigned_)
                    if (!has(used_roles_, who)) {
                        used_roles_.push_back(who);
                        line("notify " + who + (r_.chance(50) ? " with " + object(0, r_.range(1, 2)) : ""));
                    }
            // Handlers: each outcome at most once, distinct actions.
            std::vector<std::string> heads{"completed", "declined", "failed"};
            if (expires) heads.push_back("expired");
            for (auto const& who : t.signers) {
                heads.push_back("signed by " + who);
                heads.push_back("declined by " + who);
            }
            for (auto const& h : r_.sample(heads, static_cast<std::size_t>(r_.range(0, 4)))) {
                std::vector<std::string> actions;
                int n = r_.range(1, 3);
                for (int i = 0; i < n; ++i) {
                    std::string a = effect();
                    if (std::find(actions.begin(), actions.end(), a) == actions.end()) actions.push_back(a);
                }
                line("on " + h + " " + actions[0]);
                for (std::size_t i = 1; i < actions.size(); ++i) line(actions[i]);
            }
            out_ += "\n";
        }
    };
};

// The benchmark set: `count` workflows of `seed`'s sequence.
inline std::vector<std::string> generate_set(std::size_t count, std::uint64_t seed = default_seed) {
    WorkflowGenerator gen(seed);
    std::vector<std::string> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) out.push_back(gen.workflow(i));
    return out;
}

}  // namespace bench
