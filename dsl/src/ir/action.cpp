// Action kinds by name, and where each action is delivered.
#include "signflow/dsl/ir.hpp"

#include <algorithm>
#include <array>

namespace signflow::ir {
namespace {

constexpr std::array<std::string_view, 9> kind_names{
    "fill", "request_signature", "remind", "warn_expiry", "send_code", "notify", "invoke", "archive", "copy"};

}  // namespace

std::string_view action_kind_name(ActionKind k) { return kind_names.at(static_cast<std::size_t>(k)); }

std::optional<ActionKind> action_kind_from(std::string_view name) {
    for (std::size_t i = 0; i < kind_names.size(); ++i)
        if (kind_names[i] == name) return static_cast<ActionKind>(i);
    return std::nullopt;
}

Lane lane_of(ActionKind kind, bool target_is_role, bool has_target) {
    switch (kind) {
        case ActionKind::fill: return Lane::documents;
        case ActionKind::request_signature:
        case ActionKind::remind:
        case ActionKind::warn_expiry:
        case ActionKind::send_code:
        case ActionKind::copy: return Lane::messages;
        case ActionKind::notify: return target_is_role ? Lane::messages : Lane::connector;
        case ActionKind::invoke: return Lane::connector;
        case ActionKind::archive: return has_target ? Lane::connector : Lane::log;
    }
    return Lane::log;
}

Route route_of(Action const& a, Workflow const& w) {
    bool role = std::any_of(w.roles.begin(), w.roles.end(), [&](Role const& r) { return r.name == a.target; });
    switch (Lane lane = lane_of(a.kind, role, !a.target.empty())) {
        case Lane::documents: return {lane, "documents"};
        case Lane::messages: return {lane, "messages"};
        case Lane::connector: return {lane, a.target};
        case Lane::log: return {lane, {}};
    }
    return {};
}

}  // namespace signflow::ir
