#pragma once
// The factories of the built-in connector kinds, one per part
// (src/http, src/webhook, src/archive). The registry (registry.cpp) maps a
// configured `kind` to one of them. Each checks its own settings and throws
// ConfigError naming the connector, the key and where it is written
// (spec.at(key)); none of them logs a secret (use spec.redacted()).
#include "signflow/connectors/registry.hpp"

#include <memory>

namespace signflow::connectors {

std::unique_ptr<engine::Connector> make_http_connector(ConnectorSpec const& spec, Services const& services);
std::unique_ptr<engine::Connector> make_webhook_connector(ConnectorSpec const& spec, Services const& services);
std::unique_ptr<engine::Connector> make_archive_connector(ConnectorSpec const& spec, Services const& services);

}  // namespace signflow::connectors
