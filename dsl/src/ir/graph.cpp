// `signflow graph`: the state machine as a Graphviz DOT digraph or a Mermaid
// `stateDiagram-v2`. Both show the same thing: one node per state (with its
// timers), one edge per transition labelled with its event, its guard in the
// language's syntax, and the kinds of the actions it runs.
#include "signflow/dsl/graph.hpp"

#include "syntax/lexical.hpp"

#include "signflow/dsl/ir_io.hpp"

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace signflow::ir {

namespace {

using dsl::lexical::join;

std::vector<std::string> action_kinds(std::vector<Action> const& actions) {
    std::vector<std::string> kinds;
    kinds.reserve(actions.size());
    // "invoke billing.create", "notify sales": what and to whom, not the data.
    for (auto const& a : actions) {
        std::string text(action_kind_name(a.kind));
        if (!a.target.empty()) text += " " + a.target;
        if (!a.operation.empty()) text += "." + a.operation;
        kinds.push_back(std::move(text));
    }
    return kinds;
}

// "event [guard]": the first line of an edge label in both formats.
std::string event_and_guard(Transition const& t) {
    std::string out = t.event;
    if (t.guard) out += " [" + to_text(*t.guard) + "]";
    return out;
}

// ---------------------------------------------------------------- DOT

// A DOT quoted string. Line breaks in `text` become the label escape `\n`
// (centred line); a backslash is doubled so that Graphviz's own label escapes
// (\N, \G, \l, ...) are never triggered by a name or a string in a guard. The
// same escaping keeps node ids distinct: the lexer keeps the doubled
// backslash, so different names never collapse into one node.
std::string dot_quote(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': break;  // half of a CRLF line break; the \n does the work
            default: out += c;
        }
    }
    out += '"';
    return out;
}

}  // namespace

std::string to_dot(Workflow const& w) {
    std::string out = "digraph " + dot_quote(w.name) + " {\n";
    out += "  rankdir=LR;\n";
    out += "  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n";
    out += "  edge [fontname=\"Helvetica\", fontsize=10];\n";

    for (auto const& s : w.states) {
        out += "  " + dot_quote(s.name) + " [";
        if (s.kind == "start") {
            // The entry point: a dot, as in UML; its name says nothing.
            out += "shape=point, style=filled, width=0.2, label=\"\"";
        } else {
            std::string label = s.name;
            if (!s.timers.empty()) label += "\n" + join(s.timers, ", ");
            // Entry actions of final states are the outcome handlers: what
            // the business sees happen (a signing state's requests are implied).
            if (s.kind == "final" && !s.entry.empty()) label += "\n/ " + join(action_kinds(s.entry), ", ");
            out += "label=" + dot_quote(label);
            if (s.kind == "final") out += ", peripheries=2";
            if (s.kind == "choice") out += ", shape=diamond, style=solid";
        }
        out += "];\n";
    }

    for (auto const& t : w.transitions) {
        std::string label = event_and_guard(t);
        if (!t.actions.empty()) label += "\n/ " + join(action_kinds(t.actions), ", ");
        out += "  " + dot_quote(t.from) + " -> " + dot_quote(t.to) + " [label=" + dot_quote(label) + "];\n";
    }
    out += "}\n";
    return out;
}

namespace {

// ---------------------------------------------------------------- Mermaid

// Mermaid's state diagram grammar has no escapes that read well in the
// source, so characters it chokes on are replaced with readable text:
//  - ':' ends a state id and only the first one starts a transition label;
//    a later one is an error. It becomes '.' ("09:00" reads "09.00",
//    "{ a: 1 }" reads "{ a. 1 }"): still recognisable, never ambiguous with
//    the label separator.
//  - ';' ends a statement; it becomes ','.
//  - '#' starts a comment in some versions and Mermaid entity codes
//    (`#35;`) in others; it becomes " no. " ("expire#1" reads
//    "expire no. 1").
//  - "%%" starts a comment anywhere on a line; it becomes "% %".
//  - '"' cannot appear inside a quoted state description; it becomes '\''
//    (harmless in edge labels too, so it is replaced everywhere).
//  - line breaks end the statement; they become spaces.
//  - labels are rendered as sanitised HTML: '<' right before a letter, '/',
//    '!' or '?' would open a tag (and swallow text), so a space is put after
//    it ("< b>"). Comparisons as to_text prints them ("a < b") are fine.
std::string mermaid_text(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char const c = text[i];
        switch (c) {
            case ':': out += '.'; break;
            case ';': out += ','; break;
            case '#': out += " no. "; break;
            case '"': out += '\''; break;
            case '\n':
            case '\r': out += ' '; break;
            case '<': {
                out += '<';
                char const n = i + 1 < text.size() ? text[i + 1] : ' ';
                bool const letter = (n >= 'A' && n <= 'Z') || (n >= 'a' && n <= 'z');
                if (letter || n == '/' || n == '!' || n == '?') out += ' ';
                break;
            }
            case '%':
                out += '%';
                if (i + 1 < text.size() && text[i + 1] == '%') out += ' ';
                break;
            default: out += c;
        }
    }
    return out;
}

}  // namespace

std::string to_mermaid(Workflow const& w) {
    // State names such as "awaiting(client)" are not Mermaid ids, so each
    // state gets one (s0, s1, ... by its index) and is declared with its name
    // as the description. The start state is Mermaid's [*]; a transition
    // *into* it (unusual) needs its id, since [*] as a target means "end".
    std::map<std::string, std::string> ids;
    std::vector<std::string> names;  // in id order, for the declarations
    std::string start_name;
    bool has_start = false;
    auto const id_of = [&](std::string const& name) -> std::string const& {
        auto it = ids.find(name);
        if (it == ids.end()) {
            it = ids.emplace(name, "s" + std::to_string(names.size())).first;
            names.push_back(name);
        }
        return it->second;
    };
    for (auto const& s : w.states) {
        id_of(s.name);
        if (s.kind == "start" && !has_start) {
            has_start = true;
            start_name = s.name;
        }
    }
    bool start_is_target = false;
    for (auto const& t : w.transitions) {
        // Transitions naming states that do not exist still get a node, so
        // that a malformed IR shows its mistake instead of losing the edge.
        id_of(t.from);
        id_of(t.to);
        start_is_target = start_is_target || (has_start && t.to == start_name);
    }

    std::string out = "stateDiagram-v2\n";
    out += "  %% workflow " + mermaid_text(w.name) + "\n";
    for (auto const& name : names) {
        if (has_start && name == start_name && !start_is_target) continue;
        out += "  state \"" + mermaid_text(name) + "\" as " + ids[name] + "\n";
    }
    for (auto const& s : w.states) {
        if (s.timers.empty() || (s.kind == "start" && s.name == start_name)) continue;
        out += "  " + ids[s.name] + " : timers " + mermaid_text(join(s.timers, ", ")) + "\n";
    }
    for (auto const& t : w.transitions) {
        std::string const from = has_start && t.from == start_name ? "[*]" : ids[t.from];
        std::string label = event_and_guard(t);
        if (!t.actions.empty()) label += " / " + join(action_kinds(t.actions), ", ");
        out += "  " + from + " --> " + ids[t.to];
        // An empty label would leave a bare " : ", which Mermaid rejects.
        if (label.find_first_not_of(' ') != std::string::npos) out += " : " + mermaid_text(label);
        out += "\n";
    }
    for (auto const& s : w.states) {
        if (s.kind == "final") out += "  " + ids[s.name] + " --> [*]\n";
    }
    return out;
}

}  // namespace signflow::ir
