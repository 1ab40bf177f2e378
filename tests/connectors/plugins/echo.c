/* A well-behaved plugin in plain C: kind `echo`. Its detail echoes the
 * delivery it received, so a test can see exactly what crossed the ABI.
 * The delivery's data may ask for a failure: {"mode": "retry"},
 * {"mode": "permanent"}, {"mode": "bad_detail"}, {"mode": "odd_status"}.
 * Settings {"refuse": true} make create fail. */
#include "signflow/connectors/plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

struct echo {
    char *name;
    size_t name_size;
    unsigned long deliveries;
};

static int contains(const char *text, size_t size, const char *needle) {
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= size; ++i)
        if (memcmp(text + i, needle, n) == 0) return 1;
    return 0;
}

static void *echo_create(const char *name, size_t name_size, const char *settings, size_t settings_size,
                         char *error, size_t error_capacity) {
    if (contains(settings, settings_size, "\"refuse\":true")) {
        snprintf(error, error_capacity, "`refuse` is set, so echo refuses");
        return NULL;
    }
    struct echo *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(error, error_capacity, "out of memory");
        return NULL;
    }
    e->name = malloc(name_size + 1);
    if (!e->name) {
        free(e);
        snprintf(error, error_capacity, "out of memory");
        return NULL;
    }
    memcpy(e->name, name, name_size);
    e->name[name_size] = '\0';
    e->name_size = name_size;
    return e;
}

static int echo_deliver(void *handle, const char *delivery, size_t size, const signflow_delivery_result *result) {
    struct echo *e = handle;
    e->deliveries++;
    if (contains(delivery, size, "\"mode\":\"retry\"")) {
        static const char why[] = "echo: the far side is busy";
        result->set_error(result->host, why, sizeof why - 1);
        return SIGNFLOW_DELIVERY_RETRY;
    }
    if (contains(delivery, size, "\"mode\":\"permanent\"")) {
        static const char why[] = "echo: the far side refused this for good";
        result->set_error(result->host, why, sizeof why - 1);
        return SIGNFLOW_DELIVERY_PERMANENT;
    }
    if (contains(delivery, size, "\"mode\":\"bad_detail\"")) {
        result->set_detail(result->host, "[1, 2]", 6);
        return SIGNFLOW_DELIVERY_OK;
    }
    if (contains(delivery, size, "\"mode\":\"odd_status\"")) return 7;

    /* {"connector": NAME, "count": N, "echo": DELIVERY} */
    size_t capacity = size + e->name_size + 96;
    char *detail = malloc(capacity);
    if (!detail) {
        result->set_error(result->host, "out of memory", 13);
        return SIGNFLOW_DELIVERY_RETRY;
    }
    int n = snprintf(detail, capacity, "{\"connector\":\"%s\",\"count\":%lu,\"echo\":%.*s}", e->name, e->deliveries,
                     (int)size, delivery);
    result->set_detail(result->host, detail, (size_t)n);
    free(detail); /* the host copied it */
    return SIGNFLOW_DELIVERY_OK;
}

static void echo_destroy(void *handle) {
    struct echo *e = handle;
    free(e->name);
    free(e);
}

static const signflow_connector_kind kinds[] = {
    {"echo", echo_create, echo_deliver, echo_destroy},
};

EXPORT int signflow_connector_abi_version(void) { return SIGNFLOW_CONNECTOR_ABI; }

EXPORT size_t signflow_connector_kinds(const signflow_connector_kind **out) {
    *out = kinds;
    return sizeof kinds / sizeof kinds[0];
}
