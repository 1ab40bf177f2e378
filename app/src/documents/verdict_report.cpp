#include "verdict_report.hpp"

namespace signflow::app {

nlohmann::json verdict_report(std::vector<documents::SignatureVerdict> const& verdicts) {
    bool all_valid = !verdicts.empty();
    for (auto const& v : verdicts) all_valid = all_valid && v.valid();
    nlohmann::json list = nlohmann::json::array();
    for (auto const& v : verdicts)
        list.push_back({{"field", v.field},
                        {"signer", v.signer},
                        {"sub_filter", v.sub_filter},
                        {"signed_at", v.signed_at},
                        {"valid", v.valid()},
                        {"digest_ok", v.digest_ok},
                        {"signature_ok", v.signature_ok},
                        {"certificate_v2", v.certificate_v2},
                        {"timestamped", v.timestamped},
                        {"timestamp_time", v.timestamp_time},
                        {"covers_whole_document", v.covers_whole_document},
                        {"problem", v.problem}});
    return {{"signatures", list},
            {"valid", all_valid},
            {"last_covers_whole_document", !verdicts.empty() && verdicts.back().covers_whole_document}};
}

}  // namespace signflow::app
