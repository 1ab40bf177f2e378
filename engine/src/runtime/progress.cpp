#include "signflow/engine/progress.hpp"

#include <nlohmann/json.hpp>

namespace signflow::engine {
using nlohmann::json;

std::string Progress::to_json() const {
    return json{{"trigger", trigger},
                {"entered_by", entered_by},
                {"signed", signed_mask},
                {"seq", seq},
                {"documents", documents},
                {"sent", sent}}
        .dump();
}

Progress Progress::parse(std::string_view text) {
    Progress p;
    json j = json::parse(text.empty() ? std::string_view("{}") : text, nullptr, false);
    if (!j.is_object()) return p;
    p.trigger = j.value("trigger", p.trigger);
    p.entered_by = j.value("entered_by", p.entered_by);
    p.signed_mask = j.value("signed", p.signed_mask);
    p.seq = j.value("seq", p.seq);
    p.documents = j.value("documents", p.documents);
    p.sent = j.value("sent", p.sent);
    return p;
}

}  // namespace signflow::engine
