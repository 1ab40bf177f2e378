#pragma once
// The syntax tree of one `.flow` file, exactly as written: names are not yet
// resolved and nothing is checked. Every node carries the span it was parsed
// from, so the checker can point at it. Plain C++ types only (no TU but the grammar's sees Spirit); built
// by semantic actions (src/syntax/grammar_def.hpp), not fusion adaptation (which could stay as private),
// because `Step` is one wide struct for every step kind, whose fields each step's rule fills in part.
#include "signflow/dsl/source.hpp"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace signflow::dsl::ast {

struct Ident {
    std::string name;
    Span span;
};

// A duration as written (`2d`), so that `fmt` prints it back unchanged.
struct Duration {
    std::int64_t amount = 0;
    char unit = 'd';  // m (minutes), h, d, w
    Span span;
    std::int64_t minutes() const;
};

enum class ExprKind : std::uint8_t {
    string,
    number,
    boolean,
    null,
    duration,     // `2d`; `duration` holds it
    time_of_day,  // `09:00`; `minute_of_day` holds it
    path,         // `event.client.email`; `path` holds the segments
    list,         // `[a, b]`; `operands`
    object,       // `{ key: value }`; `keys` and `operands` in step
    call,         // `lower(x)`; `text` is the function, `operands` the arguments
    unary,        // `op` and one operand
    binary,       // `op` and two operands
};

enum class Op : std::uint8_t { none, or_, and_, not_, neg, eq, ne, lt, le, gt, ge, add, sub, mul, div, in, not_in };

// The operator as written (`and`, `==`, `not in`, unary `-`).
std::string_view op_text(Op op);

struct Expr {
    ExprKind kind = ExprKind::null;
    Op op = Op::none;
    Span span;
    std::string text;      // string value; call: the function name
    double number = 0;     // number value; boolean: 0 or 1
    std::string raw;       // number as written, for `fmt`
    Duration duration;     // duration literal
    int minute_of_day = 0; // time-of-day literal
    Span name_span;        // call: the function name's span
    // Height of this subtree. The parser caps it for every kind of node
    // (operators, prefix runs, lists, objects, calls; see parse.hpp) so that
    // every later pass may recurse over expressions without exhausting the stack.
    std::uint16_t depth = 1;
    std::vector<Ident> path;
    std::vector<Ident> keys;  // object: one per operand
    std::vector<Expr> operands;
};

// `remind every 2d at 09:00 local, at most 3 times`
struct Remind {
    Span span;
    Duration every;
    std::optional<int> at_minute_of_day;  // `at 09:00 local`
    Span at_span;
    std::optional<std::int64_t> at_most;  // `at most 3 times`
    Span at_most_span;
};

// `expire after 14d, warn 2d before`
struct Expire {
    Span span;
    Duration after;
    std::optional<Duration> warn;
};

// `delegable` (every signer of the step) or `delegable [client]`: the signer
// may hand their signature over to someone else from the signing page.
struct Delegable {
    Span span;
    std::vector<Ident> roles;  // empty: every signer of the step
};

enum class StepKind : std::uint8_t { fill, sign, verify, notify, invoke, wait, wait_for, branch, archive };

// How a `sign` step was written; all three mean routing groups, kept for `fmt`.
enum class SignStyle : std::uint8_t { sequentially, in_parallel, groups };

struct Step;

struct Arm {
    Span span;
    std::optional<Expr> condition;  // none: the `otherwise` arm
    std::vector<Step> steps;
};

struct Step {
    StepKind kind = StepKind::fill;
    Span span;          // the whole step, options included
    Span keyword_span;  // `fill`, `sign`, ...
    Ident target;       // fill: template; verify/notify: role or connector; invoke/archive: connector; wait_for: event
    std::optional<Ident> operation;  // invoke CONNECTOR.operation
    std::optional<Expr> data;        // `with EXPR` (fill, invoke, notify)
    // fill: `fill T when COND` fills T only when COND holds; `fill [a, b when
    // COND]` fills each document of the list in turn (each part a fill step
    // with its own target, `with` and `when`; `target` is then empty).
    std::optional<Expr> condition;
    std::vector<Step> parts;
    // sign
    SignStyle style = SignStyle::groups;
    std::vector<std::vector<Ident>> groups;
    Span groups_span;
    std::vector<Remind> reminders;
    std::vector<Expire> expiries;  // more than one is an error the checker reports
    std::vector<Delegable> delegable;  // more than one is an error the checker reports
    // verify
    Ident method;
    std::optional<std::int64_t> attempts;
    Span attempts_span;
    // wait / wait for
    Duration delay;
    std::optional<Expr> where;
    std::optional<Duration> timeout;
    // branch
    std::vector<Arm> arms;
};

// `on completed …`, `on declined by client …`, `on signed by manager …`
struct Handler {
    Span span;  // `on OUTCOME [by ROLE]`
    Ident outcome;
    std::optional<Ident> by;
    std::vector<Step> actions;
};

// `cc [legal, sales_manager] on completed`: people who get a copy without
// signing, when the envelope is sent (a link to read it) or completed (the
// signed copy).
struct Copy {
    Span span;
    std::vector<Ident> to;
    Span to_span;
    Ident moment;  // sent | completed
};

// `on form_submitted where … -> step -> step -> on completed …`
struct Trigger {
    Span span;
    Ident event;
    std::optional<Expr> where;
    std::vector<Step> steps;
    std::vector<Handler> handlers;
    std::vector<Copy> copies;  // in source order; `-> cc …` anywhere in the chain
    // Where each copy was written among the chain's links, for `fmt`: the
    // number of steps and handlers before it.
    std::vector<std::pair<std::size_t, std::size_t>> copy_positions;
};

struct WorkflowDecl {
    Span span;
    Ident name;
};

struct TimezoneDecl {
    Span span;
    std::string zone;
    Span zone_span;
};

struct RoleDecl {
    Span span;
    Ident name;
    Expr value;
};

struct FieldAssign {
    Span span;
    Ident field;
    Expr value;
};

struct ShowSection {
    Span span;
    Ident section;
    Expr condition;
};

struct AttachRequest {
    Span span;
    Ident name;
    Ident from;
    bool required = false;
};

// `field title from client: text max 80 required when …`: a value the signer
// gives on the signing page, drawn into the template's field NAME when they sign.
struct SignerField {
    Span span;
    Ident name;
    Ident from;  // the role that fills it
    Ident type;  // text | number | date | checkbox | choice | radio | initials | date_signed
    std::vector<std::string> options;  // choice, radio: `["basic", "pro"]`
    Span options_span;
    std::optional<std::int64_t> min, max;  // text: length; number: value
    Span min_span, max_span;
    std::optional<std::string> pattern;    // text: `matching "…"` (ECMAScript regex, whole value)
    Span pattern_span;
    std::optional<std::string> label;      // `label "VAT number"`: what the signing page calls it
    bool required = false;
    std::optional<Expr> condition;  // `when …`: asked only when it holds
    // `at page 1 (72, 640, 200, 18)`: a field the PDF lacks, placed by the
    // template (page, then x, y, width, height in points from the page's
    // lower left corner).
    std::vector<std::int64_t> place;  // empty, or page, x, y, width, height
    Span place_span;
};

struct TemplateDecl {
    Span span;
    Ident name;
    // `stdlib.nda` (a stock template) or a string: a PDF beside the rules.
    std::vector<Ident> stock;  // non-empty for `stdlib.NAME`
    std::optional<std::string> file;
    Span base_span;
    std::vector<FieldAssign> fields;
    std::vector<ShowSection> sections;
    std::vector<AttachRequest> attachments;
    std::vector<SignerField> signer_fields;
    // The body items in source order, for `fmt`: 'f', 's', 'a', 'q' per item.
    std::string item_order;
};

// `quota 500 envelopes per month per event.sender`
struct QuotaDecl {
    Span span;
    std::int64_t limit = 0;
    Span limit_span;
    Ident period;
    std::optional<Expr> key;
};

using Item = std::variant<WorkflowDecl, TimezoneDecl, RoleDecl, TemplateDecl, QuotaDecl, Trigger>;

struct Comment {
    Span span;        // from `#` to the end of the line
    bool trailing = false;  // code precedes it on its line
};

struct File {
    std::vector<Item> items;  // in source order
    std::vector<Comment> comments;
    // Names whose declaration failed to parse: the checker treats them as
    // declared, so one syntax error does not cascade into "unknown role".
    std::vector<std::string> broken_roles;
    std::vector<std::string> broken_templates;
};

// Every role named in a `sign` step of these steps, branches included.
void collect_signers(std::vector<Step> const& steps, std::set<std::string>& into);

}  // namespace signflow::dsl::ast
