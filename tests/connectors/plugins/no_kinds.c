/* A shared object that is not a complete plugin: it lacks
 * signflow_connector_kinds. */
#include "signflow/connectors/plugin.h"

#define EXPORT __attribute__((visibility("default")))

EXPORT int signflow_connector_abi_version(void) { return SIGNFLOW_CONNECTOR_ABI; }
