#pragma once
// Reads the [messages] table (config/messages_table.cpp).
#include "signflow/connectors/config.hpp"

#include <toml++/toml.h>

namespace signflow::connectors::config_detail {

// Throws ConfigError naming file:line and the key.
MessagesSpec read_messages(toml::table const& table, Where const& header, std::string const& file,
                           Environment const& env);

}  // namespace signflow::connectors::config_detail
