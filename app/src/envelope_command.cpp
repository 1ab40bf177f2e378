// `signflow envelope correct|resend|cancel`: an operator's acts on an
// envelope in flight, through a running daemon. The same as
// PATCH /v1/instances/{id}/signers/{role}, POST …/signers/{role}/resend
// (admin key) and POST /v1/instances/{id}/cancel (send or admin key).
#include "commands.hpp"
#include "daemon_client.hpp"
#include "files.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

namespace signflow::app {

namespace {

struct Options {
    DaemonTarget target;
    std::int64_t id = 0;
    std::string role, reason;
    std::optional<std::string> email, phone, name, timezone, language;
};

// Prints the daemon's answer; the exit status says whether it was taken.
int report(DaemonReply const& r, std::string const& done) {
    auto body = nlohmann::json::parse(r.body, nullptr, false);
    if (r.status < 200 || r.status >= 300) {
        std::string why = body.is_object() && body.contains("error") && body["error"].is_string()
                              ? body["error"].get<std::string>()
                              : r.body;
        std::cerr << "the daemon answered " << r.status << ": " << why << "\n";
        return r.status == 404 || r.status == 409 || r.status == 422 ? exit_findings : exit_usage;
    }
    std::cout << done << "\n";
    return exit_ok;
}

int correct(Options o) {
    o.target.from_environment();
    nlohmann::json changes = nlohmann::json::object();
    for (auto const& [key, value] : {std::pair{"email", o.email}, {"phone", o.phone}, {"name", o.name},
                                     {"timezone", o.timezone}, {"language", o.language}})
        if (value) changes[key] = *value;
    if (changes.empty()) throw InputError("give at least one of --email, --phone, --name, --timezone, --language");
    auto r = call_daemon(o.target, "PATCH", "/v1/instances/" + std::to_string(o.id) + "/signers/" + o.role,
                         changes.dump());
    auto body = nlohmann::json::parse(r.body, nullptr, false);
    std::string done = "envelope " + std::to_string(o.id) + ": " + o.role + " corrected";
    if (body.is_object() && body.value("changed", nlohmann::json::array()).empty()) done += " (nothing changed)";
    if (body.is_object() && body.value("request_sent", false)) done += "; the signing request goes to them again";
    return report(r, done);
}

int resend(Options o) {
    o.target.from_environment();
    auto r = call_daemon(o.target, "POST", "/v1/instances/" + std::to_string(o.id) + "/signers/" + o.role + "/resend");
    return report(r, "envelope " + std::to_string(o.id) + ": the signing request goes to " + o.role + " again");
}

int cancel(Options o) {
    o.target.from_environment();
    nlohmann::json body = nlohmann::json::object();
    if (!o.reason.empty()) body["reason"] = o.reason;
    auto r = call_daemon(o.target, "POST", "/v1/instances/" + std::to_string(o.id) + "/cancel", body.dump());
    return report(r, "envelope " + std::to_string(o.id) + " cancelled");
}


}  // namespace

void add_envelope_commands(CLI::App& app, Runner& run) {
    auto o = std::make_shared<Options>();
    auto* envelope = app.add_subcommand("envelope", "Correct a signer, resend a request or cancel an envelope in flight")
                         ->require_subcommand(1);

    auto* fix = envelope->add_subcommand("correct", "Correct a signer who has not signed (their earlier links stop working)");
    fix->add_option("id", o->id, "the envelope")->required()->check(CLI::PositiveNumber);
    fix->add_option("role", o->role, "the signer's role")->required();
    fix->add_option("--email", o->email, "the new email address");
    fix->add_option("--phone", o->phone, "the new phone number (+44 …)");
    fix->add_option("--name", o->name, "the new name");
    fix->add_option("--timezone", o->timezone, "the new time zone (Europe/Paris)");
    fix->add_option("--language", o->language, "the new language (en, zh)");
    add_target_options(fix, o->target, "an admin API key (default $SIGNFLOW_API_KEY)");
    fix->callback([&run, o] { run = [o] { return correct(*o); }; });

    auto* again = envelope->add_subcommand("resend", "Send the signing request again now, with a new link");
    again->add_option("id", o->id, "the envelope")->required()->check(CLI::PositiveNumber);
    again->add_option("role", o->role, "the signer's role")->required();
    add_target_options(again, o->target, "an admin API key (default $SIGNFLOW_API_KEY)");
    again->callback([&run, o] { run = [o] { return resend(*o); }; });

    auto* stop = envelope->add_subcommand("cancel", "Cancel an envelope");
    stop->add_option("id", o->id, "the envelope")->required()->check(CLI::PositiveNumber);
    stop->add_option("--reason", o->reason, "why (kept in the audit trail)");
    add_target_options(stop, o->target, "a send or admin API key (default $SIGNFLOW_API_KEY)");
    stop->callback([&run, o] { run = [o] { return cancel(*o); }; });
}

}  // namespace signflow::app
