#pragma once
// The daemon's connectors, from its configuration file: the instances the
// file names (http, webhook, archive, log, plugins), the webhook
// subscriptions the runtime announces lifecycle events to, and what the
// archive connector reads from the store.
#include "signflow/connectors/config.hpp"
#include "signflow/engine/runtime.hpp"
#include "signflow/engine/store.hpp"

#include <filesystem>
#include <functional>
#include <optional>

namespace signflow::app {

// The webhook connectors that list `events` (and optionally `workflows`).
std::vector<engine::Subscription> webhook_subscriptions(connectors::Config const& config);

// Makes a signing link for a signer (signing/links.hpp): purpose "sign" or "download".
using LinkMaker = std::function<std::string(std::int64_t envelope, std::string const& role, std::string const& purpose)>;

// Makes every configured connector and adds it to `runtime` (before start),
// and the `messages` connector signers' messages go to: through the email
// and sms connectors the [messages] table names, else as files in the
// outbox folder beside the database (logged with their path). A connector
// whose settings are wrong is an InputError naming it; a plugin that cannot
// be loaded is logged and the others go on.
void add_configured_connectors(engine::Runtime& runtime, engine::Store& store, connectors::Config const& config,
                               std::filesystem::path const& db, engine::LogFn const& log, LinkMaker link);

// The subscription that sends each signer their signed copy on completion.
engine::Subscription completion_copies();

}  // namespace signflow::app
