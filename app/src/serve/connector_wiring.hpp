#pragma once
// The daemon's connectors, from its configuration file: the instances the
// file names (http, webhook, archive, log, plugins), the webhook
// subscriptions the runtime announces lifecycle events to, and what the
// archive connector reads from the store.
#include "signflow/connectors/config.hpp"
#include "signflow/engine/runtime.hpp"
#include "signflow/engine/store.hpp"

#include <filesystem>
#include <optional>

namespace signflow::app {

// The webhook connectors that list `events` (and optionally `workflows`).
std::vector<engine::Subscription> webhook_subscriptions(connectors::Config const& config);

// Makes every configured connector and adds it to `runtime` (before start).
// A connector whose settings are wrong is an InputError naming it; a plugin
// that cannot be loaded is logged and the others go on.
void add_configured_connectors(engine::Runtime& runtime, engine::Store& store, connectors::Config const& config,
                               std::filesystem::path const& db, engine::LogFn const& log);

}  // namespace signflow::app
