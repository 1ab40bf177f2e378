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
    if (reply.refused.empty()) return reply_json(http_status(reply.outcome), reply.body);
    // Each refused start has its outcome; the API says its status instead.
    nlohmann::json body = reply.body;
    auto& list = body["refused"];
    for (std::size_t i = 0; i < reply.refused.size() && i < list.size(); ++i) {
        if (!reply.refused[i] || !list[i].is_object()) continue;  // kept before outcomes: has its status
        list[i]["status"] = http_status(*reply.refused[i]);
        list[i].erase("outcome");
    }
    return reply_json(http_status(reply.outcome), body);
}

}  // namespace signflow::app
