/* A plugin built against a future version of the interface: refused. */
#include "signflow/connectors/plugin.h"

#define EXPORT __attribute__((visibility("default")))

EXPORT int signflow_connector_abi_version(void) { return SIGNFLOW_CONNECTOR_ABI + 1; }

EXPORT size_t signflow_connector_kinds(const signflow_connector_kind **out) {
    *out = 0;
    return 0;
}
