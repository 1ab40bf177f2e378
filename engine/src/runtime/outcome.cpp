#include "signflow/engine/outcome.hpp"

#include <array>

namespace signflow::engine {
namespace {

constexpr std::array<std::string_view, 13> names{
    "ok",         "created", "accepted", "not_found",  "ended",       "conflict", "wrong_code",
    "code_expired", "code_used", "invalid", "over_limit", "unavailable", "failed"};

}  // namespace

std::string_view outcome_name(Outcome o) { return names.at(static_cast<std::size_t>(o)); }

std::optional<Outcome> outcome_from_name(std::string_view name) {
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == name) return static_cast<Outcome>(i);
    return std::nullopt;
}

Reply make_reply(Outcome outcome, nlohmann::json body, bool replayed) {
    Reply r;
    r.outcome = outcome;
    r.replayed = replayed;
    if (body.is_object()) {
        if (replayed) body["replayed"] = true;
        if (auto e = body.find("error"); e != body.end() && e->is_string()) r.error = e->get<std::string>();
        if (auto left = body.find("attempts_left"); left != body.end() && left->is_number_integer())
            r.attempts_left = left->get<int>();
        if (auto list = body.find("refused"); list != body.end() && list->is_array())
            for (auto const& item : *list) {
                bool named = item.is_object() && item.contains("outcome");
                r.refused.push_back(named ? outcome_from_name(item.value("outcome", "")).value_or(Outcome::failed)
                                          : std::optional<Outcome>());
            }
    }
    r.body = std::move(body);
    return r;
}

}  // namespace signflow::engine
