#pragma once
// The factories of the built-in connector kinds, one per part
// (src/http, src/webhook, src/archive, src/email, src/sms). The registry (registry.cpp) maps a
// configured `kind` to one of them. Each checks its own settings and throws
// ConfigError naming the connector, the key and where it is written
// (spec.at(key)); none of them logs a secret (use spec.redacted()).
#include "signflow/connectors/messages.hpp"
#include "signflow/connectors/registry.hpp"

#include <memory>

namespace signflow::connectors {

std::unique_ptr<engine::Connector> make_http_connector(ConnectorSpec const& spec, Services const& services);
std::unique_ptr<engine::Connector> make_webhook_connector(ConnectorSpec const& spec, Services const& services);
std::unique_ptr<engine::Connector> make_archive_connector(ConnectorSpec const& spec, Services const& services);
// email and sms also hand out their transport, for the `messages` connector.
std::unique_ptr<engine::Connector> make_email_connector(ConnectorSpec const& spec, Services const& services,
                                                        std::shared_ptr<MailTransport>& transport);
std::unique_ptr<engine::Connector> make_sms_connector(ConnectorSpec const& spec, Services const& services,
                                                      std::shared_ptr<SmsTransport>& transport);

}  // namespace signflow::connectors
