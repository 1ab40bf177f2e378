// Analytics from envelopes and their audit trails (no daemon): outcomes,
// completion rate, durations, drop-off and reminders, per workflow version.
#include "signflow/analytics/analytics.hpp"

#include <catch2/catch.hpp>

using namespace signflow;
using nlohmann::json;

namespace {

engine::InstanceRecord envelope(std::int64_t id, std::string version, std::string state, std::string status) {
    engine::InstanceRecord r;
    r.id = id;
    r.workflow = "nda";
    r.version = std::move(version);
    r.state = std::move(state);
    r.status = std::move(status);
    r.created_ms = 1'000'000;
    return r;
}

// An audit record as the store keeps it: `seconds` after the envelope began.
engine::AuditRecord entry(std::string kind, double seconds, std::string actor, std::string role = "") {
    json e = {{"kind", kind}, {"actor", actor}, {"detail", json::object()}};
    if (!role.empty()) e["detail"]["role"] = role;
    return {1, 0, 1'000'000 + static_cast<std::int64_t>(seconds * 1000), kind, "", e.dump()};
}

}  // namespace

TEST_CASE("percentiles are nearest-rank", "[analytics]") {
    CHECK(analytics::percentile({}, 50) == 0);
    CHECK(analytics::percentile({3, 1, 2}, 50) == 2);
    CHECK(analytics::percentile({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90) == 9);
    CHECK(analytics::percentile({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 100) == 10);
}

TEST_CASE("outcomes, durations, funnel and drop-off of one workflow's envelopes", "[analytics]") {
    analytics::Report report;
    // Completed in 100 s: client signed 40 s after the request, after a reminder.
    report.add(envelope(1, "v1", "completed", "finished"),
               {entry("created", 0, "api"), entry("sent", 10, "system", "client"), entry("viewed", 20, "client"),
                entry("reminded", 30, "system", "client"), entry("signed", 50, "client"),
                entry("completed", 100, "system")});
    // Completed in 300 s.
    report.add(envelope(2, "v2", "completed", "finished"),
               {entry("created", 0, "api"), entry("sent", 0, "system", "client"), entry("signed", 200, "client"),
                entry("completed", 300, "system")});
    // Viewed, never signed, still waiting.
    report.add(envelope(3, "v2", "awaiting(client)", "running"),
               {entry("created", 0, "api"), entry("sent", 1, "system", "client"), entry("viewed", 2, "client"),
                entry("reminded", 3, "system", "client"), entry("reminded", 4, "system", "client")});
    // Declined.
    report.add(envelope(4, "v2", "declined", "finished"),
               {entry("created", 0, "api"), entry("sent", 1, "system", "client"), entry("declined", 5, "client")});
    // Expired.
    report.add(envelope(5, "v2", "expired", "finished"),
               {entry("created", 0, "api"), entry("sent", 1, "system", "client"), entry("expired", 9, "system")});

    json all = report.to_json()["workflows"]["nda"]["all"];
    CHECK(all["started"] == 5);
    CHECK(all["completed"] == 2);
    CHECK(all["declined"] == 1);
    CHECK(all["expired"] == 1);
    CHECK(all["running"] == 1);
    CHECK(all["completion_rate"] == 0.4);
    CHECK(all["time_to_complete"]["median_seconds"] == 100.0);
    CHECK(all["time_to_complete"]["p90_seconds"] == 300.0);
    json client = all["signers"]["client"];
    CHECK(client["sent"] == 5);
    CHECK(client["viewed"] == 2);
    CHECK(client["signed"] == 2);
    CHECK(client["declined"] == 1);
    CHECK(client["viewed_not_signed"] == 1);
    CHECK(client["time_to_sign"]["median_seconds"] == 40.0);
    CHECK(client["time_to_sign"]["p90_seconds"] == 200.0);
    CHECK(all["reminders"]["sent"] == 3);
    CHECK(all["reminders"]["per_completion"] == 1.5);
    REQUIRE(all["drop_off"].size() == 3);
    CHECK(all["drop_off"][0]["envelopes"] == 1);

    // Per version: the rule change (v1 → v2) shows.
    json versions = report.to_json()["workflows"]["nda"]["versions"];
    CHECK(versions["v1"]["completion_rate"] == 1.0);
    CHECK(versions["v2"]["completion_rate"] == 0.25);

    std::string text = report.to_prometheus();
    CHECK(text.find("signflow_envelopes{workflow=\"nda\",outcome=\"completed\"} 2\n") != std::string::npos);
    CHECK(text.find("signflow_time_to_complete_seconds{workflow=\"nda\",quantile=\"0.9\"} 300\n") != std::string::npos);
    CHECK(text.find("signflow_signer_funnel{workflow=\"nda\",role=\"client\",step=\"viewed\"} 2\n") != std::string::npos);
}
