#include "outcomes.hpp"

#include "api_util.hpp"

namespace signflow::app {

int http_status(engine::Outcome outcome) {
    using O = engine::Outcome;
    switch (outcome) {
        case O::ok: return 200;
        case O::created: return 201;
        case O::accepted: return 202;
        case O::not_found: return 404;
        case O::ended: return 409;         // the envelope exists; nothing can happen to it any more
        case O::conflict: return 409;      // not now: e.g. signing while the document is being prepared
        case O::wrong_code: return 403;    // the signer may try again while attempts are left
        case O::code_expired: return 410;  // gone: only a new code helps
        case O::code_used: return 409;
        case O::invalid: return 422;
        case O::over_limit: return 429;
        case O::unavailable: return 503;
        case O::failed: return 500;
    }
    return 500;
}

http::Response reply_of(engine::Reply const& reply) {
    bool refusals = reply.body.is_object() && reply.body.contains("refused") && reply.body["refused"].is_array();
    if (!refusals) return reply_json(http_status(reply.outcome), reply.body);
    // Each refused start names its outcome; the API says its status.
    nlohmann::json body = reply.body;
    for (auto& item : body["refused"]) {
        if (!item.is_object() || !item.contains("outcome")) continue;  // kept before outcomes: has its status
        auto outcome = engine::outcome_from_name(item.value("outcome", ""));
        item["status"] = http_status(outcome.value_or(engine::Outcome::failed));
        item.erase("outcome");
    }
    return reply_json(http_status(reply.outcome), body);
}

}  // namespace signflow::app
