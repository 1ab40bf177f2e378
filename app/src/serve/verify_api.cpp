#include "verify_api.hpp"

#include "../documents/verdict_report.hpp"
#include "api_util.hpp"

#include "signflow/documents/error.hpp"

namespace signflow::app {

Routes make_verify_routes(documents::IsolatedParser const& files, FileWork& work) {
    return [&files, &work](http::Request& req, http::Respond& respond) {
        if (req.path != "/v1/verify") return false;
        if (req.method != "POST") {
            respond(method_not_allowed("POST"));
            return true;
        }
        if (req.body.empty()) {
            respond(error(400, "send the PDF as the request's body (Content-Type: application/pdf)"));
            return true;
        }
        bool queued = work.post([&files, body = std::move(req.body), respond]() {
            try {
                auto verdicts = files.verify(body);
                nlohmann::json out = verdict_report(verdicts);
                out["sha256"] = documents::sha256_hex(body);
                respond(reply_json(200, out));
            } catch (documents::DocumentError const& e) {
                respond(error(422, e.what()));
            }
        });
        if (!queued)
            respond(error(503, "the daemon is busy reading other files; try again in a minute", {{"retry_after_seconds", 60}}));
        return true;
    };
}

}  // namespace signflow::app
