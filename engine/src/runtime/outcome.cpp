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

}  // namespace signflow::engine
