#include "commands.hpp"

#include <CLI/CLI.hpp>

namespace signflow::app {

void add_audit_commands(CLI::App& /*app*/, Runner& /*run*/) {}

}  // namespace signflow::app
