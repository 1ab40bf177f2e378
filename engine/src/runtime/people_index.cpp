// What an envelope is found by (GET /v1/instances?q=): the email addresses
// and names of its roles, lower-cased (ASCII letters only: SQLite's lower()
// does the same for the envelopes indexed by the migration), each name also
// word by word, so that "ruiz" finds "Ana Ruiz".
#include "shard.hpp"

#include "signflow/engine/data_keys.hpp"

#include <algorithm>
#include <set>

namespace signflow::engine::detail {
using nlohmann::json;

namespace {

constexpr std::size_t max_term = 254;

std::string lowered(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

void add(std::set<std::string>& terms, std::string const& text, bool words) {
    if (text.empty() || text.size() > max_term) return;
    std::string const all = lowered(text);
    terms.insert(all);
    if (!words) return;
    std::size_t i = 0;
    while (i < all.size()) {
        std::size_t end = all.find(' ', i);
        if (end == std::string::npos) end = all.size();
        if (end > i && (i > 0 || end < all.size())) terms.insert(all.substr(i, end - i));
        i = end + 1;
    }
}

}  // namespace

void index_people(Instance const& inst, Change& change) {
    json const data = json::parse(inst.data, nullptr, false);
    std::set<std::string> terms;
    if (data.is_object())
        if (auto roles = data.find(data_key::roles); roles != data.end() && roles->is_object())
            for (auto const& [role, who] : roles->items()) {
                if (who.is_string()) add(terms, who.get<std::string>(), false);
                if (!who.is_object()) continue;
                if (who.value("email", json()).is_string()) add(terms, who["email"].get<std::string>(), false);
                if (who.value("name", json()).is_string()) add(terms, who["name"].get<std::string>(), true);
            }
    change.people.push_back({inst.id, std::vector<std::string>(terms.begin(), terms.end())});
}

}  // namespace signflow::engine::detail
