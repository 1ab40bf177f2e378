/* A plugin whose kinds are taken: `archive` is built in, `echo` comes from
 * echo.so (loaded first: plugins load in name order). Its `overlap_ok` kind
 * is still usable. */
#include "signflow/connectors/plugin.h"

#define EXPORT __attribute__((visibility("default")))

static int token;

static void *create(const char *name, size_t name_size, const char *settings, size_t settings_size, char *error,
                    size_t error_capacity) {
    (void)name, (void)name_size, (void)settings, (void)settings_size, (void)error, (void)error_capacity;
    return &token;
}

static int deliver(void *handle, const char *delivery, size_t size, const signflow_delivery_result *result) {
    (void)handle, (void)delivery, (void)size, (void)result;
    return SIGNFLOW_DELIVERY_OK;
}

static void destroy(void *handle) { (void)handle; }

static const signflow_connector_kind kinds[] = {
    {"archive", create, deliver, destroy},
    {"echo", create, deliver, destroy},
    {"overlap_ok", create, deliver, destroy},
    {"half", create, 0, destroy},
};

EXPORT int signflow_connector_abi_version(void) { return SIGNFLOW_CONNECTOR_ABI; }

EXPORT size_t signflow_connector_kinds(const signflow_connector_kind **out) {
    *out = kinds;
    return sizeof kinds / sizeof kinds[0];
}
