#pragma once
// Specs and deliveries as the registry and the dispatcher would hand them
// to the http and webhook connectors.
#include "builtin.hpp"
#include "signflow/connectors/config.hpp"
#include "signflow/engine/connector.hpp"

#include <string>
#include <vector>

namespace signflow::test {

inline connectors::ConnectorSpec spec_of(std::string kind, nlohmann::json settings, std::string name = "crm") {
    connectors::ConnectorSpec spec;
    spec.name = std::move(name);
    spec.kind = std::move(kind);
    spec.settings = std::move(settings);
    spec.where = {"signflow.toml", 3, 1};
    return spec;
}

// invoke NAME.operation with { … } from envelope 42 of nda_onboarding.
inline engine::Delivery invoke(std::string operation, nlohmann::json with, std::string key = "42:7") {
    engine::Delivery d;
    d.key = std::move(key);
    d.instance = 42;
    d.workflow = "nda_onboarding";
    d.kind = "invoke";
    d.target = "crm";
    d.operation = operation;
    d.data = {{"workflow", d.workflow}, {"operation", operation}, {"data", std::move(with)}};
    return d;
}

// A lifecycle event for a webhook connector.
inline engine::Delivery event(std::string name, std::string key = "42:9") {
    engine::Delivery d;
    d.key = std::move(key);
    d.instance = 42;
    d.workflow = "nda_onboarding";
    d.kind = "webhook";
    d.target = "erp";
    d.data = {{"event", name},
              {"envelope", 42},
              {"workflow", "nda_onboarding"},
              {"version", "9f2c"},
              {"state", "completed"},
              {"occurred_at", "2024-05-01T12:00:00Z"},
              {"role", "client"},
              {"detail", {{"signer", "ada@example.com"}}}};
    return d;
}

struct Warnings {
    std::vector<std::string> lines;
    connectors::Services services() {
        connectors::Services s;
        s.warn = [this](std::string const& w) { lines.push_back(w); };
        return s;
    }
};

}  // namespace signflow::test
