// The checker: everything an author can get wrong that the compiler can see
// without running the workflow. Names (roles, templates, fields, sections,
// functions, outcomes, methods, time zones, connectors), expression types,
// durations and times against each other, handlers that are duplicated or can
// never run, sign steps without signers, steps that cannot be reached.
//
// Order: declarations first (so uses can be resolved wherever they are),
// then every sign step's signers (so `verify client` before the sign step
// knows client signs), then triggers in order, then whole-file checks.
#include "check/checker.hpp"

#include "signflow/dsl/compile.hpp"

#include "syntax/lexical.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <boost/regex.hpp>

namespace signflow::dsl {
namespace check_detail {
namespace {

constexpr std::array<char const*, 5> outcomes{"completed", "declined", "expired", "signed", "failed"};
constexpr std::array<char const*, 4> periods{"day", "week", "month", "year"};
// Events the engine raises itself; a trigger or `wait for` on them would
// never fire from outside.
constexpr std::array<char const*, 13> reserved_events{
    "completed", "declined", "expired", "signed", "failed", "verified", "verification_failed",
    "all_signed", "done", "error", "always", "timer", "start"};

template <class Array>
std::vector<std::string> to_strings(Array const& a) {
    return {a.begin(), a.end()};
}

template <class Array>
bool contains(Array const& a, std::string const& s) {
    return std::find(a.begin(), a.end(), s) != a.end();
}

// Why a signer field's `matching` pattern cannot be used ("" when it can):
// the daemon matches the signer's whole value against it (ECMAScript syntax).
std::string pattern_problem(std::string const& pattern) {
    if (pattern.size() > 200) return "longer than 200 characters";
    namespace rc = boost::regex_constants;
    try {
        boost::regex compiled(pattern, boost::regex::ECMAScript);
    } catch (boost::regex_error const& e) {
        switch (e.code()) {
        // Boost's codes are coarse ("[A-Z" reports a parenthesis): the
        // words say what to look at, not more.
        case rc::error_brack:
        case rc::error_paren: return "a bracket `[…]` or parenthesis `(…)` does not match";
        case rc::error_brace:
        case rc::error_badbrace: return "a count `{…}` is not valid";
        case rc::error_range:
        case rc::error_collate:
        case rc::error_ctype: return "a range or class in `[…]` is not valid";
        case rc::error_escape: return "a `\\` escape is not valid";
        case rc::error_badrepeat: return "a repeat (`*`, `+`, `?`, `{…}`) follows nothing";
        default: return "it cannot be read";
        }
    } catch (std::exception const&) {
        return "it cannot be read";
    }
    return {};
}

std::string step_word(ast::StepKind k) {
    switch (k) {
    case ast::StepKind::fill: return "fill";
    case ast::StepKind::sign: return "sign";
    case ast::StepKind::verify: return "verify";
    case ast::StepKind::notify: return "notify";
    case ast::StepKind::invoke: return "invoke";
    case ast::StepKind::wait:
    case ast::StepKind::wait_for: return "wait";
    case ast::StepKind::branch: return "when";
    case ast::StepKind::archive: return "archive";
    }
    return "?";
}

// What a chain of steps has done so far, for checks that depend on order.
struct Flow {
    bool filled = false;  // a `fill` ran on some path so far
    std::set<std::string> unsigned_documents;  // filled, not yet signed
    std::set<std::string> signed_documents;    // filled, then signed
    // What a `sign` may sign now, over every path here (signers fill their
    // fields in these documents): on a path whose last document step was a
    // fill, the documents filled since its last `sign` (`open`); on a path
    // whose last was a `sign`, the documents that sign signed (`resigned`: a
    // second `sign` signs them again, a fill drops them).
    std::set<std::string> open;
    std::set<std::string> resigned;
    std::set<std::string> current() const {
        std::set<std::string> all = open;
        all.insert(resigned.begin(), resigned.end());
        return all;
    }
};

// What a trigger's chain can produce, for its handlers.
struct Outcomes {
    std::set<std::string> signers;
    bool can_decline = false;
    bool can_expire = false;
    bool can_fail = false;  // a step that can fail: fill (a broken template) or verify
};

class FileChecker : public Checker {
public:
    using Checker::Checker;

    void run() {
        declarations();
        for (auto const& item : file.items)
            if (auto const* t = std::get_if<ast::Trigger>(&item)) ast::collect_signers(t->steps, signers);
        if (!roles_declared)
            for (auto const& s : signers) used_roles.insert(s);
        for (auto const& item : file.items)
            if (auto const* t = std::get_if<ast::TemplateDecl>(&item)) template_body(*t);
        bool any_trigger = false;
        for (auto const& item : file.items)
            if (auto const* t = std::get_if<ast::Trigger>(&item)) {
                trigger(*t);
                any_trigger = true;
            }
        if (syntax_errors) return;
        for (auto const& item : file.items)
            if (auto const* t = std::get_if<ast::TemplateDecl>(&item)) fields_have_signers(*t);
        if (!any_trigger) {
            auto& d = diags.report(Code::no_trigger, Span{0, 0}, "this workflow has no trigger",
                                   "nothing starts this workflow");
            d.help.push_back("add one: `on form_submitted -> fill nda -> sign [client]`");
        }
        if (diags.has_errors()) return;  // an unknown name elsewhere may be the "unused" one, misspelled
        for (auto const& [name, decl] : roles)
            if (!used_roles.count(name)) {
                auto& d = diags.report(Code::unused_role, decl->name.span, "role `" + name + "` is never used",
                                       "declared here");
                d.help.push_back("remove it, or use it in a `sign`, `verify` or `notify` step");
            }
        for (auto const& [name, decl] : templates)
            if (!used_templates.count(name)) {
                auto& d = diags.report(Code::unused_template, decl->name.span,
                                       "template `" + name + "` is never filled", "declared here");
                d.help.push_back("remove it, or use it: `-> fill " + name + "`");
            }
    }

private:
    ast::WorkflowDecl const* workflow_decl = nullptr;
    ast::TimezoneDecl const* timezone_decl = nullptr;
    std::vector<ast::QuotaDecl const*> quotas;
    std::set<std::string> trigger_signers;  // who signs in the chain being checked
    // Who signs each template (a `sign` signs the document filled last), on any path.
    std::map<std::string, std::set<std::string>> document_signers;
    bool reserved_roles = false;            // a role was declared with a reserved name

    void declarations() {
        for (auto const& name : file.broken_roles) broken.insert(name);
        for (auto const& name : file.broken_templates) broken.insert(name);
        for (auto const& item : file.items) {
            if (auto const* w = std::get_if<ast::WorkflowDecl>(&item)) {
                if (workflow_decl) {
                    auto& d = diags.report(Code::duplicate_declaration, w->span, "a second `workflow` declaration",
                                           "second declaration");
                    d.secondary.push_back({workflow_decl->span, "first declared here"});
                    d.help.push_back("a file holds one workflow");
                } else {
                    workflow_decl = w;
                }
            } else if (auto const* z = std::get_if<ast::TimezoneDecl>(&item)) {
                if (timezone_decl) {
                    auto& d = diags.report(Code::duplicate_declaration, z->span, "a second `timezone` declaration",
                                           "second declaration");
                    d.secondary.push_back({timezone_decl->span, "first declared here"});
                } else {
                    timezone_decl = z;
                }
                if (!catalog.is_time_zone(z->zone)) {
                    auto& d = diags.report(Code::unknown_time_zone, z->zone_span,
                                           "unknown time zone \"" + z->zone + "\"", "not an IANA time zone");
                    d.help.push_back("use a name from the tz database, e.g. \"Europe/Berlin\" or \"Asia/Shanghai\"");
                }
            } else if (auto const* r = std::get_if<ast::RoleDecl>(&item)) {
                if (reserved_role(r->name)) {
                    broken.insert(r->name.name);  // reported once; uses resolve quietly
                    reserved_roles = true;
                    continue;
                }
                auto [it, fresh] = roles.emplace(r->name.name, r);
                if (!fresh) {
                    auto& d = diags.report(Code::duplicate_role, r->name.span,
                                           "role `" + r->name.name + "` is declared twice", "second declaration");
                    d.secondary.push_back({it->second->name.span, "first declared here"});
                }
            } else if (auto const* t = std::get_if<ast::TemplateDecl>(&item)) {
                auto [it, fresh] = templates.emplace(t->name.name, t);
                if (!fresh) {
                    auto& d = diags.report(Code::duplicate_template, t->name.span,
                                           "template `" + t->name.name + "` is declared twice",
                                           "second declaration");
                    d.secondary.push_back({it->second->name.span, "first declared here"});
                }
            } else if (auto const* q = std::get_if<ast::QuotaDecl>(&item)) {
                quotas.push_back(q);
            }
        }
        roles_declared = !roles.empty() || !file.broken_roles.empty() || reserved_roles;
        // Role values: an email address (string) or an object with one.
        for (auto const& [name, decl] : roles) {
            Type t = expr(decl->value);
            if (t != Type::any && t != Type::string && t != Type::object) {
                auto& d = diags.report(Code::role_not_a_signer_value, decl->value.span,
                                       "role `" + name + "` must be an email address or a person",
                                       "this is " + a_type(t));
                d.help.push_back("use a string (\"legal@acme.example\") or event data (event.client)");
            }
        }
        std::map<std::pair<std::string, std::string>, ast::QuotaDecl const*> seen_quota;
        for (auto const* q : quotas) {
            if (!contains(periods, q->period.name)) {
                auto& d = diags.report(Code::unknown_quota_period, q->period.span,
                                       "unknown quota period `" + q->period.name + "`", "not a period");
                suggest(d, q->period.name, to_strings(periods), "period");
                if (d.help.empty()) d.help.push_back("the periods are `day`, `week`, `month` and `year`");
            }
            if (q->limit == 0)
                diags.report(Code::zero_count, q->limit_span, "a quota of zero envelopes",
                             "nothing could ever be sent");
            std::string key;
            if (q->key) {
                expr(*q->key);
                key = without_layout(text(q->key->span));
            }
            auto [it, fresh] = seen_quota.emplace(std::make_pair(q->period.name, key), q);
            if (!fresh) {
                auto& d = diags.report(Code::duplicate_quota, q->span, "a second quota for the same period and key",
                                       "second quota");
                d.secondary.push_back({it->second->span, "first quota"});
            }
        }
    }

    // The spec of a template a workflow names, whether declared or stock.
    TemplateSpec const* spec_of(std::string const& name) const {
        if (auto it = templates.find(name); it != templates.end()) {
            auto const& t = *it->second;
            if (t.stock.size() == 2 && t.stock[0].name == "stdlib") return catalog.find_template(t.stock[1].name);
            // A PDF beside the rules: read by template_body when the catalog
            // can read PDFs; otherwise its fields are checked when it is loaded.
            auto f = file_specs.find(name);
            return f == file_specs.end() ? nullptr : &f->second;
        }
        return catalog.find_template(name);
    }

    // The PDF templates read so far, under their declared names (messages
    // then say "template `offer_letter`", not the file name).
    std::map<std::string, TemplateSpec> file_specs;

    // Reads the PDF a template declaration names, relative to the folder of
    // the .flow file; reports a file that is missing or not a form (E0202).
    TemplateSpec const* file_template(ast::TemplateDecl const& t) {
        if (!t.file) return nullptr;
        std::filesystem::path path(*t.file);
        if (path.is_relative()) path = std::filesystem::path(source.path()).parent_path() / path;
        std::string error;
        TemplateSpec const* loaded = catalog.load_template(path.lexically_normal().string(), error);
        if (!loaded) {
            if (!error.empty()) {
                auto& d = diags.report(Code::unknown_template, t.base_span,
                                       "template `" + t.name.name + "`: cannot read \"" + *t.file + "\"", error);
                d.notes.push_back("a template file is found relative to the folder of the .flow file");
            }
            return nullptr;
        }
        TemplateSpec spec = *loaded;
        spec.name = t.name.name;
        return &(file_specs[t.name.name] = std::move(spec));
    }

    void field_value(TemplateSpec const& spec, ast::Ident const& field, ast::Expr const& value) {
        auto f = std::find_if(spec.fields.begin(), spec.fields.end(),
                              [&](FieldSpec const& fs) { return fs.name == field.name; });
        if (f == spec.fields.end()) {
            auto& d = diags.report(Code::unknown_template_field, field.span,
                                   "template `" + spec.name + "` has no field `" + field.name + "`",
                                   "no such field");
            std::vector<std::string> names;
            for (auto const& fs : spec.fields) names.push_back(fs.name);
            suggest(d, field.name, names, "field");
            expr(value);
            return;
        }
        Type t = expr(value);
        if (!compatible(f->type, t) && !(f->free_text && t == Type::number)) {
            auto& d = diags.report(Code::field_type_mismatch, value.span,
                                   "field `" + field.name + "` holds " + a_type(f->type),
                                   "this is " + a_type(t));
            (void)d;
        } else if (!f->options.empty() && value.kind == ast::ExprKind::string &&
                   !contains(f->options, value.text)) {
            auto& d = diags.report(Code::field_type_mismatch, value.span,
                                   "\"" + value.text + "\" is not a choice of field `" + field.name + "`",
                                   "not one of the options");
            std::string opts;
            for (auto const& o : f->options) opts += (opts.empty() ? "" : ", ") + o;
            d.help.push_back("the options are " + opts);
        }
    }

    void template_body(ast::TemplateDecl const& t) {
        TemplateSpec const* spec = file_template(t);
        if (!t.stock.empty()) {
            std::string written;
            for (auto const& s : t.stock) written += (written.empty() ? "" : ".") + s.name;
            if (t.stock.size() != 2 || t.stock[0].name != "stdlib" || !(spec = catalog.find_template(t.stock[1].name))) {
                auto& d = diags.report(Code::unknown_stock_template, t.base_span,
                                       "no stock template `" + written + "`", "not in the standard library");
                std::vector<std::string> names;
                for (auto const& n : catalog.template_names()) names.push_back("stdlib." + n);
                suggest(d, written, names, "stock template");
                if (d.help.empty()) {
                    std::string all;
                    for (auto const& n : names) all += (all.empty() ? "`" : ", `") + n + "`";
                    d.help.push_back("the stock templates are " + all);
                }
            }
        }
        std::map<std::string, Span> seen;
        for (auto const& f : t.fields) {
            repeated(seen, f.field.name, f.field.span, Code::duplicate_field,
                     "field `" + f.field.name + "` is set twice", "second value", "first value");
            if (spec)
                field_value(*spec, f.field, f.value);
            else
                expr(f.value);
        }
        for (auto const& s : t.sections) {
            if (spec && !contains(spec->sections, s.section.name)) {
                auto& d = diags.report(Code::unknown_section, s.section.span,
                                       "template `" + spec->name + "` has no section `" + s.section.name + "`",
                                       "no such section");
                suggest(d, s.section.name, spec->sections, "section");
            }
            condition(s.condition, "a `show` condition");
        }
        for (auto const& f : t.signer_fields) {
            repeated(seen, f.name.name, f.name.span, Code::duplicate_field,
                     "field `" + f.name.name + "` is set twice", "second time", "first time");
            signer_field(spec, f);
        }
        std::map<std::string, Span> attachments;
        for (auto const& a : t.attachments) {
            repeated(attachments, a.name.name, a.name.span, Code::duplicate_attachment,
                     "attachment `" + a.name.name + "` is requested twice", "second request", "first request");
            if (resolve_role(a.from) && !syntax_errors && !signers.count(a.from.name)) {
                auto& d = diags.report(Code::attachment_from_non_signer, a.from.span,
                                       "`" + a.from.name + "` never signs, so cannot upload `" + a.name.name + "`",
                                       "not a signer");
                d.help.push_back("attachments are uploaded on the signing page: name a role that signs");
            }
        }
    }

    // `field NAME from ROLE: TYPE …`: a known type with options that fit it,
    // a field the PDF has (when the checker can read the PDF), of a kind
    // that takes the type.
    // `at page N (X, Y, W, H)`: a text box the PDF lacks, made at fill time.
    void placed_field(TemplateSpec const* spec, ast::SignerField const& f) {
        auto bad = [&](std::string message, std::string label, std::string help) {
            auto& d = diags.report(Code::invalid_signer_field, f.place_span, std::move(message), std::move(label));
            d.help.push_back(std::move(help));
        };
        std::string const& type = f.type.name;
        if (type != "text" && type != "number" && type != "date" && type != "initials" && type != "date_signed")
            return bad("a `" + type + "` field cannot be placed", "only a text box is made",
                       "give the PDF a " + type + " field named `" + f.name.name +
                           "` (docs/templates.md), or make this one text, number, date, initials or date_signed");
        auto const& p = f.place;  // page, x, y, width, height
        if (p[0] < 1 || (spec && spec->pages > 0 && p[0] > spec->pages))
            return bad("page " + std::to_string(p[0]) + " is not a page of " +
                           (spec ? "template `" + spec->name + "`" : std::string("this template")) +
                           (spec && spec->pages > 0 ? " (" + std::to_string(spec->pages) + " pages)" : std::string()),
                       "no such page", "pages are numbered from 1");
        if (p[3] < 1 || p[4] < 1 || p[1] > 14400 || p[2] > 14400 || p[3] > 14400 || p[4] > 14400)
            return bad("a field's box is (x, y, width, height) in points", "not a box on a page",
                       "give a width and a height of at least 1, and no value above 14400");
        if (!spec) return;
        bool taken = std::any_of(spec->fields.begin(), spec->fields.end(), [&](FieldSpec const& fs) {
            return fs.name == f.name.name || fs.name.starts_with(f.name.name + ".");
        });
        if (taken)
            bad("template `" + spec->name + "` has a field `" + f.name.name + "` already", "placed as well",
                "remove `at …` to use the PDF's field, or give this one another name");
    }

    void signer_field(TemplateSpec const* spec, ast::SignerField const& f) {
        resolve_role(f.from);
        if (f.condition) condition(*f.condition, "a field's `when` condition");
        static std::vector<std::string> const types = {"text",   "number", "date",     "checkbox",
                                                       "choice", "radio",  "initials", "date_signed"};
        std::string const& type = f.type.name;
        if (!contains(types, type)) {
            auto& d = diags.report(Code::invalid_signer_field, f.type.span, "unknown field type `" + type + "`",
                                   "not a field type");
            suggest(d, type, types, "type");
            if (d.help.empty())
                d.help.push_back("the types are text, number, date, checkbox, choice, radio, initials and date_signed");
            return;
        }
        bool listed = type == "choice" || type == "radio";
        auto bad = [&](Span where, std::string message, std::string label, std::string help) {
            auto& d = diags.report(Code::invalid_signer_field, where, std::move(message), std::move(label));
            d.help.push_back(std::move(help));
        };
        if (listed && f.options.empty())
            bad(f.type.span, "a `" + type + "` field without options", "which values?",
                "list them: `field " + f.name.name + " from " + f.from.name + ": " + type + " [\"basic\", \"pro\"]`");
        if (!listed && !f.options.empty())
            bad(f.options_span, "options on a `" + type + "` field", "only choice and radio fields have options",
                "make it `choice`, or remove the list");
        bool sized = type == "text" || type == "number";
        if (f.min && !sized) bad(f.min_span, "`min` on a `" + type + "` field", "only text and number fields have one",
                                 "remove it");
        if (f.max && !sized && type != "initials")
            bad(f.max_span, "`max` on a `" + type + "` field", "only text, initials and number fields have one",
                "remove it");
        if (f.min && f.max && *f.min > *f.max)
            bad(f.max_span, "`max` is below `min`", "no value fits", "swap them");
        if (type == "initials" && f.max && *f.max > 8)
            bad(f.max_span, "initials hold at most 8 characters", "more than 8", "give it `max 8` or less");
        if (f.pattern) {
            if (type != "text")
                bad(f.pattern_span, "`matching` on a `" + type + "` field", "only text fields have a pattern",
                    "remove it, or make the field `text`");
            else if (auto problem = pattern_problem(*f.pattern); !problem.empty())
                bad(f.pattern_span, "this pattern is not a regular expression: " + problem, "not a pattern",
                    "write it as in JavaScript (ECMAScript), e.g. \"[A-Z]{2}[0-9]{2,12}\"");
        }
        if (type == "date_signed" && (f.required || f.condition))
            bad(f.type.span, "a `date_signed` field is filled when the signer signs", "not asked",
                "remove `required` and `when`");
        if (f.place.size() > 5) {
            auto& d = diags.report(Code::duplicate_option, f.place_span, "a second `at` option", "second");
            d.help.push_back("place the field once: `at page N (X, Y, WIDTH, HEIGHT)`");
        }
        if (!f.place.empty()) return placed_field(spec, f);
        if (!spec) return;
        // The PDF's field: NAME itself, or for initials NAME's kids (NAME.1, NAME.2, one per page).
        auto found = std::find_if(spec->fields.begin(), spec->fields.end(),
                                  [&](FieldSpec const& fs) { return fs.name == f.name.name; });
        // Kids: each is filled, so the one that holds the fewest characters counts.
        int max_length = found == spec->fields.end() ? 0 : found->max_length;
        if (found == spec->fields.end() && type == "initials") {
            for (auto it = spec->fields.begin(); it != spec->fields.end(); ++it) {
                if (!it->name.starts_with(f.name.name + ".")) continue;
                if (found == spec->fields.end()) found = it;
                if (it->max_length > 0 && (max_length == 0 || it->max_length < max_length)) max_length = it->max_length;
            }
        }
        if (found == spec->fields.end()) {
            auto& d = diags.report(Code::unknown_template_field, f.name.span,
                                   "template `" + spec->name + "` has no field `" + f.name.name + "`",
                                   "no such field");
            std::vector<std::string> names;
            for (auto const& fs : spec->fields) names.push_back(fs.name);
            suggest(d, f.name.name, names, "field");
            if (d.help.empty())
                d.help.push_back("a signer's field is a form field of that name in the PDF (docs/templates.md)");
            return;
        }
        Type want = type == "checkbox" ? Type::boolean : type == "number" ? Type::number : Type::string;
        bool fits = found->type == want || (found->type == Type::string && found->free_text) ||
                    (want == Type::number && found->type == Type::string && found->options.empty());
        if (listed) fits = found->type == Type::string && !found->options.empty();
        else if (want == Type::boolean) fits = found->type == Type::boolean;  // true/false in a text field: no
        else if (!found->options.empty()) fits = false;
        // A text field of the PDF that holds fewer characters than the
        // signer may type (its /MaxLen): the value could never be drawn.
        if (fits && max_length > 0 && (type == "text" || type == "initials")) {
            std::int64_t may = type == "initials" ? std::min<std::int64_t>(f.max.value_or(8), 8) : f.max.value_or(1000);
            if (may > max_length) {
                auto& d = diags.report(Code::invalid_signer_field, f.max ? f.max_span : f.type.span,
                                       "field `" + f.name.name + "` of template `" + spec->name + "` holds at most " +
                                           std::to_string(max_length) + " characters",
                                       f.max ? "more than the PDF's field holds"
                                             : "a signer may type " + std::to_string(may));
                d.help.push_back("give it `max " + std::to_string(max_length) + "` (or less)");
            }
        }
        if (!fits) {
            std::string kind = found->type == Type::boolean ? "a check box"
                               : !found->options.empty() ? "a choice"
                               : found->type == Type::number ? "a number" : "a text field";
            auto& d = diags.report(Code::field_type_mismatch, f.type.span,
                                   "field `" + f.name.name + "` of template `" + spec->name + "` is " + kind,
                                   "not a `" + type + "`");
            d.help.push_back(found->type == Type::boolean  ? "ask for it as `checkbox`"
                             : !found->options.empty()     ? "ask for it as `choice` with its options"
                             : found->type == Type::number ? "ask for it as `number`"
                                                           : "ask for it as `text`, `number` or `date`");
            return;
        }
        if (listed)
            for (auto const& o : f.options)
                if (!contains(found->options, o)) {
                    auto& d = diags.report(Code::field_type_mismatch, f.options_span,
                                           "\"" + o + "\" is not a choice of field `" + f.name.name + "`",
                                           "not one of the PDF's options");
                    std::string opts;
                    for (auto const& x : found->options) opts += (opts.empty() ? "" : ", ") + x;
                    d.help.push_back("the options are " + opts);
                    break;
                }
    }

    // After the chains: each signer's field is given to a role that signs
    // its template (a signer fills it on the page where they sign that document).
    // One signature over several documents asks a field of the same name
    // and role once: the documents must ask it alike.
    void same_fields(std::set<std::string> const& documents) {
        std::map<std::pair<std::string, std::string>, std::pair<std::string, ast::SignerField const*>> first;
        for (auto const& name : documents) {
            auto t = templates.find(name);
            if (t == templates.end() || !t->second) continue;
            for (auto const& f : t->second->signer_fields) {
                auto [it, fresh] = first.try_emplace({f.from.name, f.name.name}, name, &f);
                if (fresh) continue;
                ast::SignerField const& g = *it->second.second;
                bool alike = g.type.name == f.type.name && g.options == f.options && g.min == f.min &&
                             g.max == f.max && g.pattern == f.pattern && g.required == f.required &&
                             g.condition.has_value() == f.condition.has_value();
                if (alike || !mismatched.insert(name + "|" + f.name.name).second) continue;
                auto& d = diags.report(Code::invalid_signer_field, f.name.span,
                                       "`" + f.name.name + "` is asked of `" + f.from.name + "` by `" + name +
                                           "` otherwise than by `" + it->second.first + "`",
                                       "not as in `" + it->second.first + "`");
                d.secondary.push_back({g.name.span, "asked here first"});
                d.help.push_back("one signature asks it once, for both documents: declare it alike in both, or "
                                 "give each its own name");
            }
        }
    }
    std::set<std::string> mismatched;

    void fields_have_signers(ast::TemplateDecl const& t) {
        for (auto const& f : t.signer_fields) {
            if (f.type.name == "date_signed" || !is_role(f.from.name) || broken.count(f.from.name)) continue;
            auto it = document_signers.find(t.name.name);
            if (it != document_signers.end() && it->second.count(f.from.name)) continue;
            if (!used_templates.count(t.name.name)) continue;  // W1003 says it is never filled
            auto& d = diags.report(Code::field_from_non_signer, f.from.span,
                                   "`" + f.from.name + "` does not sign `" + t.name.name + "`, so cannot fill `" +
                                       f.name.name + "`",
                                   "not a signer of this document");
            std::string who;
            std::size_t count = it == document_signers.end() ? 0 : it->second.size();
            if (count)
                for (auto const& s : it->second) who += (who.empty() ? "`" : ", `") + s + "`";
            d.help.push_back(!count ? "add a `sign` step after `fill " + t.name.name + "`"
                                    : "signers fill fields on the page where they sign `" + t.name.name + "`: " +
                                          who + (count == 1 ? " signs it" : " sign it"));
        }
    }

    // `event` and `envelope` are the roots of data paths: a role with either
    // name would make `event.x` mean the role's data.
    bool reserved_role(ast::Ident const& name) {
        if (name.name != "event" && name.name != "envelope") return false;
        auto& d = diags.report(Code::reserved_role_name, name.span, "`" + name.name + "` cannot name a role",
                               "reserved for the " + std::string(name.name == "event" ? "triggering event's" : "envelope's") + " data");
        d.help.push_back("call the role after the person: `client`, `buyer`, `manager`");
        return true;
    }


    void connector(ast::Ident const& name) {
        auto configured = catalog.connectors();
        if (!configured || name.name.empty()) return;
        if (std::find(configured->begin(), configured->end(), name.name) != configured->end()) return;
        auto& d = diags.report(Code::connector_not_configured, name.span,
                               "connector `" + name.name + "` is not in the configuration", "not configured");
        suggest(d, name.name, *configured, "connector");
        d.notes.push_back("`signflow serve` refuses to load this workflow until it is configured");
    }

    // E0216 for an event the engine raises itself, named as an outside event.
    void reserved_event(ast::Ident const& event, char const* label) {
        if (!contains(reserved_events, event.name)) return;
        auto& d = diags.report(Code::reserved_event, event.span,
                               "`" + event.name + "` is an event signflow raises itself", label);
        if (contains(outcomes, event.name))
            d.help.push_back("handle it with an outcome handler: `-> on " + event.name +
                             (event.name == "signed" ? " by ROLE" : "") + " …`");
        else
            d.help.push_back("name the business event instead, e.g. `form_submitted` or `payment_confirmed`");
    }

    void trigger(ast::Trigger const& t) {
        reserved_event(t.event, "cannot start a workflow");
        if (t.where) {
            condition(*t.where, "a `where` condition");
            if (auto v = constant(*t.where)) {
                if (*v) {
                    diags.report(Code::constant_condition, t.where->span, "this condition is always true",
                                 "always true");
                } else {
                    auto& d = diags.report(Code::unreachable_step, t.where->span,
                                           "this condition is always false", "never true");
                    d.notes.push_back("this trigger can never start an envelope");
                }
            }
        }
        Flow flow;
        Outcomes out;
        trigger_signers.clear();
        ast::collect_signers(t.steps, trigger_signers);
        trigger_verified.clear();
        collect_verified(t.steps);
        chain(t.steps, flow, out);
        handlers(t, out);
        copies(t);
    }

    std::map<std::string, Span> trigger_verified;  // who a `verify` step of the chain checks, and where

    void collect_verified(std::vector<ast::Step> const& steps) {
        for (auto const& s : steps) {
            if (s.kind == ast::StepKind::verify) trigger_verified.emplace(s.target.name, s.span);
            for (auto const& arm : s.arms) collect_verified(arm.steps);
        }
    }

    // `cc [legal] on completed`: roles that read, not sign; each once per moment.
    void copies(ast::Trigger const& t) {
        std::map<std::string, Span> seen;
        for (auto const& c : t.copies) {
            bool const known_moment = c.moment.name == "sent" || c.moment.name == "completed";
            if (!known_moment) {
                auto& d = diags.report(Code::invalid_copy, c.moment.span,
                                       "a copy goes out `on sent` or `on completed`, not on `" + c.moment.name + "`",
                                       "not a moment for a copy");
                d.help.push_back("`cc [legal] on completed` sends the signed copy; `on sent` a link to read it");
            }
            if (c.to.empty()) {
                auto& d = diags.report(Code::invalid_copy, c.span, "`cc` without a recipient", "no one is copied");
                d.help.push_back("name the roles: `cc [legal, sales_manager] on completed`");
            }
            for (auto const& who : c.to) {
                // Without declarations the roles are the signers (event.signers.NAME):
                // someone who only gets a copy must be declared.
                if (!roles_declared && !trigger_signers.count(who.name)) {
                    auto& d = diags.report(Code::invalid_copy, who.span,
                                           "`" + who.name + "` is copied but not declared", "not a role");
                    d.help.push_back("declare who gets the copy: `role " + who.name + " = \"" + who.name +
                                     "@example.com\"` (declaring roles, declare the signers too)");
                    continue;
                }
                if (!resolve_role(who)) continue;
                used_roles.insert(who.name);
                if (trigger_signers.count(who.name)) {
                    auto& d = diags.report(Code::invalid_copy, who.span,
                                           "`" + who.name + "` signs this envelope: a signer is not copied",
                                           "a signer");
                    d.notes.push_back("every signer gets the signed copy when the envelope completes");
                    continue;
                }
                if (known_moment)
                    repeated(seen, who.name + " " + c.moment.name, who.span, Code::invalid_copy,
                             "`" + who.name + "` is copied twice on " + c.moment.name, "second time", "first time");
            }
        }
    }

    void chain(std::vector<ast::Step> const& steps, Flow& flow, Outcomes& out) {
        for (auto const& s : steps) step(s, flow, out);
    }

    void step(ast::Step const& s, Flow& flow, Outcomes& out) {
        switch (s.kind) {
        case ast::StepKind::fill: fill(s, flow, out); break;
        case ast::StepKind::sign: sign(s, flow, out); break;
        case ast::StepKind::verify: {
            out.can_fail = true;
            if (resolve_role(s.target) && !syntax_errors && !trigger_signers.count(s.target.name)) {
                auto& d = diags.report(Code::verify_non_signer, s.target.span,
                                       "`" + s.target.name + "` never signs in this chain", "not a signer");
                d.help.push_back("identity is verified on the signing page: verify a role that signs");
            }
            auto methods = catalog.verification_methods();
            if (!contains(methods, s.method.name)) {
                auto& d = diags.report(Code::unknown_verification_method, s.method.span,
                                       "unknown verification method `" + s.method.name + "`", "not a method");
                suggest(d, s.method.name, methods, "method");
                if (d.help.empty()) d.help.push_back("the methods are `sms` and `email`");
            }
            if (s.attempts && *s.attempts == 0)
                diags.report(Code::zero_count, s.attempts_span, "zero attempts", "the signer could never succeed");
            break;
        }
        case ast::StepKind::notify:
            // The same decision the engine routes by (ir::route_of).
            if (ir::lane_of(ir::ActionKind::notify, is_role(s.target.name), true) == ir::Lane::messages)
                used_roles.insert(s.target.name);
            else
                connector(s.target);
            if (s.data) expr(*s.data);
            break;
        case ast::StepKind::invoke:
            connector(s.target);
            data(s);
            break;
        case ast::StepKind::archive: connector(s.target); break;
        case ast::StepKind::wait: break;
        case ast::StepKind::wait_for:
            reserved_event(s.target, "cannot be waited for");
            if (s.where) condition(*s.where, "a `where` condition");
            if (s.timeout) out.can_expire = true;
            break;
        case ast::StepKind::branch: branch(s, flow, out); break;
        }
    }

    void data(ast::Step const& s) {
        if (!s.data) return;
        Type t = expr(*s.data);
        if (t != Type::any && t != Type::object) {
            auto& d = diags.report(Code::data_not_object, s.data->span,
                                   "`" + step_word(s.kind) + " … with` takes an object",
                                   "this is " + a_type(t));
            d.help.push_back("write the data as `{ key: value, … }`");
        }
    }

    // `fill [a, b]` fills each in turn; `fill T when COND` is a branch with
    // one arm: the paths with and without T both go on.
    void fill(ast::Step const& s, Flow& flow, Outcomes& out) {
        if (!s.parts.empty()) {
            std::map<std::string, Span> seen;
            for (auto const& part : s.parts) {
                repeated(seen, part.target.name, part.target.span, Code::duplicate_document,
                         "`" + part.target.name + "` appears twice in one `fill`", "second time", "first time");
                fill(part, flow, out);
            }
            return;
        }
        if (!s.condition) return fill_one(s, flow, out);
        condition(*s.condition, "a `when` condition");
        if (auto v = constant(*s.condition)) {
            if (*v)
                diags.report(Code::constant_condition, s.condition->span, "this condition is always true",
                             "always true");
            else
                diags.report(Code::unreachable_step, s.condition->span, "this condition is always false",
                             "the document is never filled");
        }
        Flow with = flow;
        fill_one(s, with, out);
        flow.filled = flow.filled || with.filled;
        flow.unsigned_documents.insert(with.unsigned_documents.begin(), with.unsigned_documents.end());
        flow.signed_documents.insert(with.signed_documents.begin(), with.signed_documents.end());
        flow.open.insert(with.open.begin(), with.open.end());
        flow.resigned.insert(with.resigned.begin(), with.resigned.end());
    }

    void fill_one(ast::Step const& s, Flow& flow, Outcomes& out) {
        out.can_fail = true;
        if (flow.signed_documents.count(s.target.name)) {
            auto& d = diags.report(Code::fill_after_sign, s.keyword_span, "`fill " + s.target.name + "` after it was signed",
                                   "this document is already signed");
            d.help.push_back("filling would change a signed document and break its signatures: fill it before `sign`");
        }
        flow.filled = true;
        flow.unsigned_documents.insert(s.target.name);
        // The documents filled since the last `sign` are the ones the next
        // `sign` signs, all of them: a fill after a sign starts a new set.
        flow.resigned.clear();
        flow.open.insert(s.target.name);
        TemplateSpec const* spec = nullptr;
        if (templates.count(s.target.name)) {
            used_templates.insert(s.target.name);
            spec = spec_of(s.target.name);
        } else if (broken.count(s.target.name)) {
            // declared in a part that failed to parse: already reported
        } else if (!(spec = catalog.find_template(s.target.name))) {
            auto& d = diags.report(Code::unknown_template, s.target.span,
                                   "unknown template `" + s.target.name + "`", "no template with this name");
            std::vector<std::string> names = catalog.template_names();
            for (auto const& [n, decl] : templates) names.push_back(n);
            suggest(d, s.target.name, names, "template");
        }
        if (!s.data) return;
        if (!spec || s.data->kind != ast::ExprKind::object) {
            data(s);
            return;
        }
        // `fill T with { field: value }`: the same checks as in the template's body.
        std::map<std::string, Span> seen;
        for (std::size_t i = 0; i < s.data->keys.size() && i < s.data->operands.size(); ++i) {
            repeated(seen, s.data->keys[i].name, s.data->keys[i].span, Code::duplicate_key,
                     "key `" + s.data->keys[i].name + "` appears twice", "second value", "first value");
            field_value(*spec, s.data->keys[i], s.data->operands[i]);
        }
    }

    // `delegable [ROLE, …]`: each named role signs in this step; no role the
    // chain verifies (a delegate would sign without the check that was
    // asked for: their phone or mailbox is not the one verified).
    void delegable(ast::Step const& s, ast::Delegable const& o) {
        std::set<std::string> step_signers;
        for (auto const& g : s.groups)
            for (auto const& who : g) step_signers.insert(who.name);
        std::vector<ast::Ident> named = o.roles;
        if (named.empty())
            for (auto const& g : s.groups) named.insert(named.end(), g.begin(), g.end());
        std::map<std::string, Span> seen;
        for (auto const& who : named) {
            if (!o.roles.empty() && repeated(seen, who.name, who.span, Code::duplicate_signer,
                                             "`" + who.name + "` is named twice", "second time", "first time"))
                continue;
            Span const at = o.roles.empty() ? o.span : who.span;
            if (!step_signers.count(who.name)) {
                auto& d = diags.report(Code::delegation_not_allowed, at,
                                       "`" + who.name + "` does not sign in this step", "not a signer here");
                d.help.push_back("name the step's own signers: `sign [client] delegable [client]`");
                continue;
            }
            if (auto v = trigger_verified.find(who.name); v != trigger_verified.end()) {
                auto& d = diags.report(Code::delegation_not_allowed, at,
                                       "`" + who.name + "` is verified: a delegate would sign unverified",
                                       "verified signer");
                d.secondary.push_back({v->second, "verified here"});
                d.help.push_back("drop the verification, or name only the other signers in `delegable [...]`");
            }
        }
    }

    void sign(ast::Step const& s, Flow& flow, Outcomes& out) {
        if (!flow.filled) {
            auto& d = diags.report(Code::sign_without_document, s.keyword_span, "`sign` before any `fill`",
                                   "what is signed?");
            d.help.push_back("fill a template first: `-> fill nda -> sign …`");
        }
        auto const signs = flow.current();
        same_fields(signs);
        for (auto const& document : signs)
            for (auto const& g : s.groups)
                for (auto const& who : g) document_signers[document].insert(who.name);
        flow.open.clear();
        flow.resigned = signs;
        flow.signed_documents.insert(flow.unsigned_documents.begin(), flow.unsigned_documents.end());
        flow.unsigned_documents.clear();
        out.can_decline = true;
        bool empty = s.groups.empty();
        for (auto const& g : s.groups) empty = empty || g.empty();
        if (empty) {
            auto& d = diags.report(Code::sign_without_signer, s.groups_span, "a `sign` step without a signer",
                                   "no one signs here");
            d.help.push_back("name the signers: `sign sequentially [client, manager]`");
        }
        std::map<std::string, Span> seen;
        for (auto const& g : s.groups)
            for (auto const& who : g) {
                if (repeated(seen, who.name, who.span, Code::duplicate_signer,
                             "`" + who.name + "` signs twice in one step", "second time", "first time"))
                    continue;
                if (!roles_declared && reserved_role(who)) continue;
                resolve_role(who);
                out.signers.insert(who.name);
            }
        for (std::size_t i = 1; i < s.reminders.size(); ++i) {
            auto& d = diags.report(Code::duplicate_option, s.reminders[i].span, "a second `remind` option",
                                   "second");
            d.secondary.push_back({s.reminders[0].span, "first"});
        }
        for (std::size_t i = 1; i < s.expiries.size(); ++i) {
            auto& d = diags.report(Code::duplicate_option, s.expiries[i].span, "a second `expire` option",
                                   "second");
            d.secondary.push_back({s.expiries[0].span, "first"});
        }
        for (std::size_t i = 1; i < s.delegable.size(); ++i) {
            auto& d = diags.report(Code::duplicate_option, s.delegable[i].span, "a second `delegable` option",
                                   "second");
            d.secondary.push_back({s.delegable[0].span, "first"});
        }
        if (!s.delegable.empty()) delegable(s, s.delegable.front());
        ast::Expire const* expire = s.expiries.empty() ? nullptr : &s.expiries.front();
        if (expire) {
            out.can_expire = true;
            if (expire->warn && expire->warn->minutes() >= expire->after.minutes()) {
                auto& d = diags.report(Code::warning_not_before_expiry, expire->warn->span,
                                       "the warning comes " + text(expire->warn->span) + " before an expiry " +
                                           text(expire->after.span) + " after the start",
                                       "not shorter than the expiry");
                d.secondary.push_back({expire->after.span, "expires after this"});
            }
        }
        for (auto const& r : s.reminders) {
            if (expire && r.every.minutes() >= expire->after.minutes()) {
                auto& d = diags.report(Code::reminder_not_before_expiry, r.every.span,
                                       "the first reminder would come after the envelope expires",
                                       "every " + text(r.every.span));
                d.secondary.push_back({expire->after.span, "expires after " + text(expire->after.span)});
                d.help.push_back("remind more often than the envelope expires, e.g. `remind every " +
                                 lexical::duration_text(std::max<std::int64_t>(1, expire->after.minutes() / 2)) +
                                 "`");
            }
            if (r.at_minute_of_day && r.every.minutes() % 1440 != 0) {
                auto& d = diags.report(Code::reminder_time_needs_days, r.at_span,
                                       "a reminder at a time of day needs an interval in whole days",
                                       "at this time");
                d.secondary.push_back({r.every.span, "every " + text(r.every.span)});
                d.help.push_back("use days or weeks (`remind every 1d at 09:00 local`), or drop the time");
            }
            if (r.at_most && *r.at_most == 0)
                diags.report(Code::zero_count, r.at_most_span, "at most zero reminders",
                             "remove the option instead");
        }
    }

    std::string text(Span s) const { return source.text().substr(s.begin, s.end - s.begin); }

    // The text without blanks and comments outside string literals: two
    // actions that differ only in layout are the same action.
    static std::string without_layout(std::string const& in) {
        std::string out;
        bool in_string = false;
        for (std::size_t i = 0; i < in.size(); ++i) {
            char c = in[i];
            if (in_string) {
                out += c;
                if (c == '\\' && i + 1 < in.size()) out += in[++i];
                else if (c == '"') in_string = false;
            } else if (c == '"') {
                in_string = true;
                out += c;
            } else if (c == '#') {
                while (i < in.size() && in[i] != '\n') ++i;
            } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                out += c;
            }
        }
        return out;
    }

    void branch(ast::Step const& s, Flow& flow, Outcomes& out) {
        Flow merged = flow;
        bool decided = false;  // an earlier arm is always taken
        for (auto const& arm : s.arms) {
            if (decided) {
                auto& d = diags.report(Code::unreachable_step, arm.span, "this branch can never run",
                                       "unreachable");
                d.notes.push_back("an earlier condition is always true");
            }
            if (arm.condition) {
                condition(*arm.condition, "a `when` condition");
                if (auto v = constant(*arm.condition); v && !decided) {
                    if (*v) {
                        decided = true;
                        diags.report(Code::constant_condition, arm.condition->span, "this condition is always true",
                                     "always true");
                    } else {
                        diags.report(Code::unreachable_step, arm.condition->span,
                                     "this condition is always false", "the steps it guards never run");
                    }
                }
            }
            Flow f = flow;
            chain(arm.steps, f, out);
            merged.filled = merged.filled || f.filled;
            merged.unsigned_documents.insert(f.unsigned_documents.begin(), f.unsigned_documents.end());
            merged.signed_documents.insert(f.signed_documents.begin(), f.signed_documents.end());
            merged.open.insert(f.open.begin(), f.open.end());
            merged.resigned.insert(f.resigned.begin(), f.resigned.end());
        }
        flow = merged;
    }

    void handlers(ast::Trigger const& t, Outcomes const& out) {
        std::map<std::string, Span> seen;
        for (auto const& h : t.handlers) {
            std::string const& o = h.outcome.name;
            bool known = contains(outcomes, o);
            if (!known) {
                auto& d = diags.report(Code::unknown_outcome, h.outcome.span, "unknown outcome `" + o + "`",
                                       "not an outcome");
                suggest(d, o, to_strings(outcomes), "outcome");
                if (d.help.empty())
                    d.help.push_back("the outcomes are `completed`, `declined`, `expired`, `signed by ROLE`, `failed`");
            }
            // Several handlers for one outcome are fine (their actions add
            // up); the same action twice for one outcome is a copy-paste slip.
            std::string key = o + (h.by ? " by " + h.by->name : "");
            for (auto const& a : h.actions) {
                std::string action = without_layout(text(a.span));
                if (auto* d = repeated(seen, key + "|" + action, a.span, Code::duplicate_handler,
                                       "this action already runs `on " + key + "`", "second time", "first time"))
                    d->notes.push_back("it would run twice: remove one");
            }
            if (known) {
                if (o == "signed" && !h.by) {
                    auto& d = diags.report(Code::handler_role_misuse, h.outcome.span, "`on signed` needs a signer",
                                           "signed by whom?");
                    d.help.push_back("write `on signed by ROLE`; for the whole envelope use `on completed`");
                } else if (h.by && o != "signed" && o != "declined") {
                    diags.report(Code::handler_role_misuse, h.by->span, "`on " + o + "` cannot name a role",
                                 "only `signed by` and `declined by` name one");
                } else if (h.by) {
                    if (resolve_role(*h.by) && !out.signers.count(h.by->name)) {
                        auto& d = diags.report(Code::impossible_handler, h.by->span,
                                               "`" + h.by->name + "` never signs in this chain",
                                               "this handler can never run");
                        (void)d;
                    }
                } else if (o == "declined" && !out.can_decline) {
                    auto& d = diags.report(Code::impossible_handler, h.span, "nothing in this chain can be declined",
                                           "this handler can never run");
                    d.notes.push_back("only signers decline: this chain has no `sign` step");
                } else if (o == "failed" && !out.can_fail) {
                    auto& d = diags.report(Code::impossible_handler, h.span, "nothing in this chain can fail",
                                           "this handler can never run");
                    d.notes.push_back("only `fill` (a broken template) and `verify` (too many wrong codes) fail");
                } else if (o == "expired" && !out.can_expire) {
                    auto& d = diags.report(Code::impossible_handler, h.span, "nothing in this chain expires",
                                           "this handler can never run");
                    d.help.push_back("add `expire after 14d` under a `sign` step, or a `timeout` to `wait for`");
                }
            }
            if (h.actions.empty()) {
                auto& d = diags.report(Code::empty_handler, h.span, "this handler does nothing", "no action");
                d.help.push_back("add what should happen: `-> on " + key + " notify sales`");
            }
            for (auto const& a : h.actions) {
                if (a.kind != ast::StepKind::notify && a.kind != ast::StepKind::invoke &&
                    a.kind != ast::StepKind::archive) {
                    auto& d = diags.report(Code::step_not_allowed_in_handler, a.keyword_span,
                                           "`" + step_word(a.kind) + "` cannot run in an outcome handler",
                                           "not allowed here");
                    d.help.push_back("handlers run when the envelope has ended: use `notify`, `invoke` or `archive`");
                    continue;
                }
                Flow f;
                Outcomes o2;
                step(a, f, o2);
            }
        }
    }
};

}  // namespace
}  // namespace check_detail

void check(SourceFile const& source, ast::File const& file, Catalog const& catalog, Diagnostics& diags) {
    check_detail::FileChecker c(source, file, catalog, diags);
    c.syntax_errors = diags.has_errors();
    c.run();
}

}  // namespace signflow::dsl
