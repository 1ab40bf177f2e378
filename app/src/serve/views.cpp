#include "views.hpp"

#include "signflow/engine/data_keys.hpp"
#include "signflow/engine/rules.hpp"
#include "signflow/engine/time.hpp"
#include "signflow/evidence/audit.hpp"

namespace signflow::app {
using nlohmann::json;

namespace {

std::string at(std::int64_t ms) { return engine::utc_text(engine::from_millis(ms)); }

json summary(engine::InstanceRecord const& r) {
    return {{"id", r.id},
            {"workflow", r.workflow},
            {"version", r.version},
            {"state", r.state},
            {"status", r.status},
            {"created_at", at(r.created_ms)},
            {"updated_at", at(r.updated_ms)}};
}

}  // namespace

json instance_json(engine::InstanceDetail const& detail) {
    engine::InstanceRecord const& r = detail.record;
    json j = summary(r);
    // The envelope's data as the engine keeps it (engine/data_keys.hpp): the
    // trigger's event, the envelope's fields, the roles.
    json d = json::parse(r.data, nullptr, false);
    if (d.is_object()) {
        j["data"] = d.value(engine::data_key::event, json());
        j["envelope"] = d.value(engine::data_key::envelope, json());
        j["roles"] = d.value(engine::data_key::roles, json());
    }
    json history = json::array();
    for (auto const& h : detail.history) {
        json line = {{"at", at(h.at_ms)}, {"kind", h.kind}};
        json more = json::parse(h.detail, nullptr, false);
        if (more.is_object()) line.update(more);
        history.push_back(std::move(line));
    }
    j["history"] = std::move(history);
    return j;
}

json instances_json(engine::InstancePage const& page) {
    json list = json::array();
    for (auto const& r : page.instances) list.push_back(summary(r));
    json body = {{"instances", std::move(list)}};
    if (page.next_after_id) body["next_after_id"] = *page.next_after_id;
    return body;
}

json audit_json(std::vector<engine::AuditRecord> const& records) {
    std::vector<evidence::AuditEntry> entries;
    entries.reserve(records.size());
    for (auto const& r : records) entries.push_back(evidence::entry_from_json(json::parse(r.entry)));
    json out = evidence::export_chain(entries);
    auto verdict = evidence::verify_chain(entries);
    out["verdict"] = {{"ok", verdict.ok}, {"entries", verdict.entries}, {"head", verdict.head}};
    if (!verdict.ok)
        out["verdict"].update({{"first_bad", verdict.first_bad}, {"problem", verdict.problem},
                               {"explanation", verdict.explanation}});
    return out;
}

std::vector<std::string> document_names(std::vector<engine::DocumentRecord> const& documents,
                                        std::vector<engine::AuditRecord> const& trail) {
    struct Fill {
        std::int64_t revision = 0;
        std::string sha256, name;
    };
    std::vector<Fill> fills;
    for (auto const& a : trail) {
        if (a.kind != "document_filled") continue;
        json e = json::parse(a.entry, nullptr, false);
        json const detail = e.is_object() ? e.value("detail", json::object()) : json::object();
        if (!detail.value("template", json()).is_string()) continue;
        Fill f;
        f.name = detail["template"];
        if (detail.value("revision", json()).is_number_integer()) f.revision = detail["revision"];
        if (detail.value("document_sha256", json()).is_string()) f.sha256 = detail["document_sha256"];
        fills.push_back(std::move(f));
    }
    std::vector<std::string> names;
    std::string current;
    for (auto const& d : documents) {
        if (!d.document.empty()) {  // named by its row (revisions made since documents were named)
            names.push_back(d.document);
            continue;
        }
        if (d.kind == "filled") {
            current.clear();
            // The first entry that says so (an envelope filled before fills
            // were numbered recorded its second fill at revision 1 too).
            for (auto const& f : fills)
                if (f.revision == d.revision && (f.sha256.empty() || f.sha256 == d.sha256)) {
                    current = f.name;
                    break;
                }
            if (current.empty())
                for (auto const& f : fills)
                    if (!f.sha256.empty() && f.sha256 == d.sha256) {
                        current = f.name;
                        break;
                    }
        }
        names.push_back(current);
    }
    return names;
}

json documents_json(std::int64_t id, std::vector<engine::DocumentRecord> const& documents,
                    std::vector<engine::AuditRecord> const& trail) {
    json list = json::array();
    auto names = document_names(documents, trail);
    for (std::size_t i = 0; i < documents.size(); ++i) {
        auto const& d = documents[i];
        json j = {{"revision", d.revision}, {"kind", d.kind}, {"sha256", d.sha256}, {"created_at", at(d.created_ms)}};
        if (!names[i].empty()) j["document"] = names[i];
        list.push_back(std::move(j));
    }
    return {{"id", id}, {"documents", std::move(list)}};
}

json rules_json(engine::Snapshot const& snapshot, std::vector<std::string> const& known_events) {
    json files = json::array();
    for (auto const& f : snapshot.files) {
        json j = {{"path", f.path}, {"status", f.loaded ? "loaded" : "failed"}};
        if (!f.workflow.empty()) j["workflow"] = f.workflow;
        if (!f.version.empty()) j["version"] = f.version;
        if (!f.loaded && !f.version.empty()) j["serving_previous_version"] = true;
        if (!f.diagnostics.empty()) j["diagnostics"] = f.diagnostics;
        if (f.loaded_ms) j["loaded_at"] = at(f.loaded_ms);
        files.push_back(std::move(j));
    }
    return {{"generation", snapshot.generation}, {"files", std::move(files)}, {"events", known_events}};
}

json reload_json(engine::ReloadReport const& report) {
    json failures = json::array();
    for (auto const& f : report.failures) failures.push_back({{"path", f.path}, {"diagnostics", f.diagnostics}});
    return {{"files", report.files},
            {"loaded", report.loaded},
            {"failed", report.failed},
            {"new_versions", report.new_versions},
            {"failures", std::move(failures)}};
}

json quotas_json(std::vector<engine::QuotaUsage> const& quotas) {
    json list = json::array();
    for (auto const& q : quotas) {
        json j = {{"workflow", q.workflow},
                  {"limit", q.limit},
                  {"period", q.period},
                  {"period_start", at(q.period_start_ms)},
                  {"resets_at", at(q.resets_ms)}};
        if (q.key.empty()) {
            j["used"] = q.used;
        } else {
            j["key"] = q.key;
            json keys = json::array();
            for (auto const& [key, used] : q.keys) keys.push_back({{"key", key}, {"used", used}});
            j["keys"] = std::move(keys);
        }
        list.push_back(std::move(j));
    }
    return {{"quotas", std::move(list)}};
}

json outbox_json(std::vector<engine::OutboxRecord> const& rows) {
    json list = json::array();
    for (auto const& o : rows) {
        json j = {{"key", o.key},       {"instance", o.instance}, {"kind", o.kind},
                  {"target", o.target}, {"status", o.status},     {"attempts", o.attempts},
                  {"created_at", at(o.created_ms)}};
        if (!o.connector.empty()) j["connector"] = o.connector;
        if (!o.last_error.empty()) j["last_error"] = o.last_error;
        if (o.status == "pending") j["next_attempt_at"] = at(o.next_attempt_ms);
        list.push_back(std::move(j));
    }
    return {{"deliveries", std::move(list)}};
}

}  // namespace signflow::app
