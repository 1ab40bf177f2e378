/*
 * signflow connector plugins: the C interface a shared object implements to
 * add connector kinds to the daemon.
 *
 * Why C: a plugin is built apart from the daemon (another compiler, another
 * standard library, another language), so nothing C++ crosses this line: no
 * exceptions, no std::string, no allocation freed on the other side. Data
 * crosses as UTF-8 JSON text (pointer + length); the host copies whatever a
 * plugin hands back before the call returns, and a plugin copies whatever it
 * keeps. Every pointer the host passes is valid only during the call.
 *
 * A plugin is a shared object (*.so) in the configured plugins folder. It
 * exports two functions:
 *
 *     int signflow_connector_abi_version(void);          returns SIGNFLOW_CONNECTOR_ABI
 *     size_t signflow_connector_kinds(const signflow_connector_kind **kinds);
 *
 * The second points *kinds at an array of kind descriptions with static
 * storage duration and returns its length. A configured connector whose
 * `kind` is one of them is made with `create` and called with `deliver`.
 *
 * Threads: the daemon calls each connector instance (handle) from one thread
 * at a time, but different instances (also of the same kind) from different
 * threads at once: state shared between handles needs the plugin's own lock.
 *
 * Rules a plugin must keep (the daemon cannot enforce them):
 *   - Never let a C++ exception (or a longjmp) leave any function below: it
 *     is undefined behaviour. Catch everything in the extern "C" function and
 *     report SIGNFLOW_DELIVERY_RETRY or _PERMANENT with a message.
 *   - A crash (segfault, abort) in a plugin ends the daemon; the daemon is
 *     crash-only: it restarts, resumes the outbox and delivers again with the
 *     same idempotency key (`key` in the delivery).
 *   - deliver may block (a network call), but a deliver that never returns
 *     holds up every later delivery to this connector: use timeouts.
 *   - Never log the settings: they hold the secrets.
 *
 * Versioning: SIGNFLOW_CONNECTOR_ABI changes whenever any struct or function
 * here changes; the daemon refuses a plugin reporting another version.
 */
#ifndef SIGNFLOW_CONNECTORS_PLUGIN_H
#define SIGNFLOW_CONNECTORS_PLUGIN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SIGNFLOW_CONNECTOR_ABI 1

/* What deliver reports. */
typedef enum signflow_delivery_status {
    SIGNFLOW_DELIVERY_OK = 0,        /* done; the outbox marks the delivery delivered */
    SIGNFLOW_DELIVERY_RETRY = 1,     /* failed; the daemon retries later (backoff) */
    SIGNFLOW_DELIVERY_PERMANENT = 2  /* failed for good (bad data, refused): a dead letter */
} signflow_delivery_status;

/*
 * Where deliver writes what it has to say besides its status. The host
 * provides it; both functions copy their argument at once (the plugin may
 * free or reuse its buffer after the call). Either may be called at most
 * once per delivery; later calls replace the earlier text.
 */
typedef struct signflow_delivery_result {
    void *host; /* pass back as the first argument; opaque to the plugin */
    /* Why the delivery failed, for the operator (UTF-8, no secrets). */
    void (*set_error)(void *host, const char *text, size_t size);
    /* On success, a JSON object the audit trail records (a receipt id, a
     * hash). Text that is not a JSON object is ignored with a warning. */
    void (*set_detail)(void *host, const char *json, size_t size);
} signflow_delivery_result;

/* One connector kind a plugin provides. */
typedef struct signflow_connector_kind {
    /* The `kind` a [connectors.NAME] table names; NUL-terminated, static. */
    const char *kind;

    /*
     * Makes one connector instance. `name` is the connector's name,
     * `settings_json` the JSON object of its table's keys except `kind`
     * (with ${…} secrets expanded). Returns an opaque handle, or NULL with a
     * NUL-terminated reason written into `error` (at most `error_capacity`
     * bytes including the NUL): the daemon then refuses the configuration.
     */
    void *(*create)(const char *name, size_t name_size, const char *settings_json, size_t settings_size,
                    char *error, size_t error_capacity);

    /*
     * Delivers one outbox entry, a JSON object:
     *   {"key": idempotency key (same on every retry), "instance": envelope id,
     *    "workflow", "kind" ("invoke", "notify", "archive", "webhook", …),
     *    "target": connector name, "operation": invoke's operation or "",
     *    "data": the payload, "attempt": 1, 2, …}
     * Returns a signflow_delivery_status; anything else counts as RETRY.
     */
    int (*deliver)(void *handle, const char *delivery_json, size_t delivery_size,
                   const signflow_delivery_result *result);

    /* Releases the instance; the handle is not used again. */
    void (*destroy)(void *handle);
} signflow_connector_kind;

/* The functions a plugin exports (the daemon finds them with dlsym). */
typedef int (*signflow_connector_abi_version_fn)(void);
typedef size_t (*signflow_connector_kinds_fn)(const signflow_connector_kind **kinds);

#ifdef __cplusplus
}
#endif

#endif /* SIGNFLOW_CONNECTORS_PLUGIN_H */
