#pragma once
// Records the store tests commit (sqlite_store_test.cpp on SQLite's own
// matters, store_contract_test.cpp on both backends): two definitions'
// versions, an envelope, a delivery, a Change that starts an envelope.
#include "signflow/engine/store.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace signflow::test_records {

using namespace signflow::engine;

inline std::string const version_a(64, 'a');
inline std::string const version_b(64, 'b');

// Envelope `id` of "nda" (version_a) or another workflow (version_b),
// created at 1000 + id, updated at 2000 + id.
inline InstanceRecord instance(std::int64_t id, std::string state = "draft", std::string status = "running",
                               std::string workflow = "nda") {
    InstanceRecord r;
    r.id = id;
    r.workflow = workflow;
    r.version = workflow == "nda" ? version_a : version_b;
    r.state = std::move(state);
    r.status = std::move(status);
    r.data = R"({"n":)" + std::to_string(id) + "}";
    r.progress = R"({"seq":1})";
    r.created_ms = 1000 + id;
    r.updated_ms = 2000 + id;
    return r;
}

inline OutboxRecord outbox(std::string key, std::int64_t instance, std::string status = "pending") {
    OutboxRecord o;
    o.key = std::move(key);
    o.instance = instance;
    o.kind = "notify";
    o.target = "client";
    o.payload = R"({"to":"client"})";
    o.status = std::move(status);
    o.created_ms = 5;
    return o;
}

inline Change new_instance(std::int64_t id, std::string state = "draft", std::string status = "running",
                           std::string workflow = "nda") {
    Change c;
    c.instances.push_back(instance(id, std::move(state), std::move(status), std::move(workflow)));
    return c;
}

inline std::vector<std::int64_t> ids(std::vector<InstanceRecord> const& rows) {
    std::vector<std::int64_t> out;
    for (auto const& r : rows) out.push_back(r.id);
    return out;
}

inline void commit(Store& store, std::vector<Change> const& batch) { store.commit(batch); }

}  // namespace signflow::test_records
