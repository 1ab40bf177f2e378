#include "verdict_report.hpp"

namespace signflow::app {

nlohmann::json verdict_report(std::vector<documents::SignatureVerdict> const& verdicts) {
    bool all_valid = !verdicts.empty();
    for (auto const& v : verdicts) all_valid = all_valid && v.valid();
    nlohmann::json list = nlohmann::json::array();
    for (auto const& v : verdicts) list.push_back(documents::verdict_json(v));
    return {{"signatures", list},
            {"valid", all_valid},
            {"last_covers_whole_document", !verdicts.empty() && verdicts.back().covers_whole_document}};
}

}  // namespace signflow::app
