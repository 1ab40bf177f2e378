#include "connector_wiring.hpp"

#include <algorithm>

#include "../files.hpp"
#include "certificate.hpp"
#include "views.hpp"

#include "signflow/engine/data_keys.hpp"
#include "signflow/engine/progress.hpp"
#include "signflow/connectors/messages.hpp"
#include "signflow/connectors/registry.hpp"

namespace signflow::app {
namespace fs = std::filesystem;
using nlohmann::json;

std::vector<engine::Subscription> webhook_subscriptions(connectors::Config const& config) {
    std::vector<engine::Subscription> out;
    for (auto const& c : config.connectors) {
        if (c.kind != "webhook" || !c.settings.is_object()) continue;
        auto events = c.settings.find("events");
        if (events == c.settings.end()) continue;  // invoked by workflows only
        engine::Subscription s;
        s.connector = c.name;
        auto strings = [&](json const& list, char const* key, std::vector<std::string>& into) {
            if (!list.is_array())
                throw InputError(c.where.text() + ": connector `" + c.name + "`: `" + key + "` must be a list of names");
            for (auto const& x : list) {
                if (!x.is_string())
                    throw InputError(c.where.text() + ": connector `" + c.name + "`: `" + key + "` must be a list of names");
                into.push_back(x.get<std::string>());
            }
        };
        strings(*events, "events", s.events);
        if (auto w = c.settings.find("workflows"); w != c.settings.end()) strings(*w, "workflows", s.workflows);
        out.push_back(std::move(s));
    }
    return out;
}

namespace {

// What an archive needs: the sealed document (when the workflow has one),
// the audit trail and the certificate. Not ready while the seal is pending.
connectors::ArchiveBundle archive_bundle(engine::Runtime& runtime, engine::Store& store, std::int64_t id) {
    connectors::ArchiveBundle b;
    auto envelope = store.find_instance(id);
    if (!envelope) {
        b.why = "no envelope " + std::to_string(id);
        return b;
    }
    b.workflow = envelope->workflow;
    b.created_ms = envelope->created_ms;
    bool has_document = engine::Progress::parse(envelope->progress).documents > 0;
    if (has_document) {
        // Each named document at its latest revision, all sealed (an
        // envelope from before revisions were named: its latest one).
        std::vector<std::pair<std::string, std::int64_t>> latest;  // name, revision, in fill order
        for (auto const& d : store.documents(id)) {
            if (d.document.empty()) continue;
            auto it = std::find_if(latest.begin(), latest.end(), [&](auto const& x) { return x.first == d.document; });
            if (it == latest.end())
                latest.emplace_back(d.document, d.revision);
            else
                it->second = std::max(it->second, d.revision);
        }
        if (latest.empty()) latest.emplace_back(std::string(), 0);
        for (auto const& [name, revision] : latest) {
            auto doc = store.document(id, revision);
            if (!doc || doc->kind != "sealed") {
                b.why = "the sealed document" + (name.empty() ? std::string() : " `" + name + "`") + " of envelope " +
                        std::to_string(id) + " is not ready yet";
                b.documents.clear();
                return b;
            }
            b.documents.push_back({name, std::move(doc->pdf)});
        }
        b.pdf = b.documents.front().pdf;
        if (b.documents.size() == 1) b.documents.clear();  // one document: `pdf` says it all
    }
    auto audit = runtime.audit(id);
    if (audit.outcome != engine::Outcome::ok) {
        b.why = "the audit trail of envelope " + std::to_string(id) + " cannot be read";
        return b;
    }
    b.audit = audit_json(audit.value);
    if (auto certificate = envelope_certificate(store, id)) b.certificate = std::move(*certificate);
    b.ready = true;
    return b;
}

}  // namespace

engine::Subscription completion_copies() { return {"messages", {"envelope.completed"}, {}}; }

void add_configured_connectors(engine::Runtime& runtime, engine::Store& store, connectors::Config const& config,
                               std::filesystem::path const& db, engine::LogFn const& log, LinkMaker link) {
    connectors::Services services;
    services.archive = [&runtime, &store](std::int64_t id) { return archive_bundle(runtime, store, id); };
    services.warn = [log](std::string const& m) { log(engine::LogLevel::warn, m); };
    services.log_folder = db.parent_path().empty() ? std::string(".") : db.parent_path().string();
    connectors::Loaded loaded;
    try {
        loaded = connectors::make_connectors(config, services);
    } catch (connectors::ConfigError const& e) {
        throw InputError(e.what());
    }
    for (auto const& problem : loaded.problems) log(engine::LogLevel::error, "plugin: " + problem);
    bool own_messages = false;  // a configuration may define `messages` itself (a plugin, a log)
    for (auto& c : loaded.connectors) {
        own_messages = own_messages || c->name() == "messages";
        log(engine::LogLevel::info, "connector " + c->name() + " ready");
        runtime.add_connector(std::move(c));
    }
    if (own_messages) return;
    connectors::MessageServices messages;
    messages.link = std::move(link);
    messages.final_copy = services.archive;
    messages.roles = [&store](std::int64_t id) {
        auto r = store.find_instance(id);
        json data = r ? json::parse(r->data, nullptr, false) : json();
        return data.is_object() ? data.value(engine::data_key::roles, json::object()) : json::object();
    };
    messages.info = [log](std::string const& m) { log(engine::LogLevel::info, m); };
    fs::path folder = db.parent_path().empty() ? fs::current_path() : fs::absolute(db.parent_path());
    try {
        runtime.add_connector(connectors::make_messages_connector(config, loaded, std::move(messages), folder / "outbox"));
    } catch (connectors::ConfigError const& e) {
        throw InputError(e.what());
    }
    fs::path outbox = config.messages.outbox.empty() ? folder / "outbox" : fs::path(config.messages.outbox);
    if (config.messages.email.empty())
        log(engine::LogLevel::info, "no email server configured ([messages] email): signers' emails, with their "
                                    "signing links, are written as .eml files to " + outbox.string());
}

}  // namespace signflow::app
