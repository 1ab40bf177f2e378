// A plugin written in C++: its work throws, and its extern "C" functions
// catch everything and report it, as plugin.h requires. Kind `ledger`:
// every delivery fails because the (imaginary) ledger is unreachable; a
// delivery with {"mode": "bad"} fails for good. Settings {"explode": true}
// make create throw (caught, reported as a refusal).
#include "signflow/connectors/plugin.h"

#include <cstdio>
#include <stdexcept>
#include <string>

namespace {

struct BadRequest : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Ledger {
    std::string name;
    void post(std::string const& delivery) {
        if (delivery.find("\"mode\":\"bad\"") != std::string::npos) throw BadRequest("ledger: no such account");
        throw std::runtime_error("ledger: connection refused");
    }
};

}  // namespace

extern "C" {

static void* ledger_create(char const* name, std::size_t name_size, char const* settings, std::size_t settings_size,
                           char* error, std::size_t error_capacity) {
    try {
        std::string s(settings, settings_size);
        if (s.find("\"explode\":true") != std::string::npos) throw std::logic_error("ledger: cannot parse settings");
        return new Ledger{std::string(name, name_size)};
    } catch (std::exception const& e) {
        std::snprintf(error, error_capacity, "%s", e.what());
        return nullptr;
    } catch (...) {
        std::snprintf(error, error_capacity, "unknown error");
        return nullptr;
    }
}

static int ledger_deliver(void* handle, char const* delivery, std::size_t size, signflow_delivery_result const* result) {
    try {
        static_cast<Ledger*>(handle)->post(std::string(delivery, size));
        return SIGNFLOW_DELIVERY_OK;
    } catch (BadRequest const& e) {
        std::string what = e.what();
        result->set_error(result->host, what.data(), what.size());
        return SIGNFLOW_DELIVERY_PERMANENT;
    } catch (std::exception const& e) {
        std::string what = e.what();
        result->set_error(result->host, what.data(), what.size());
        return SIGNFLOW_DELIVERY_RETRY;
    } catch (...) {
        return SIGNFLOW_DELIVERY_RETRY;
    }
}

static void ledger_destroy(void* handle) { delete static_cast<Ledger*>(handle); }

static signflow_connector_kind const kinds[] = {
    {"ledger", ledger_create, ledger_deliver, ledger_destroy},
};

__attribute__((visibility("default"))) int signflow_connector_abi_version(void) { return SIGNFLOW_CONNECTOR_ABI; }

__attribute__((visibility("default"))) std::size_t signflow_connector_kinds(signflow_connector_kind const** out) {
    *out = kinds;
    return 1;
}

}  // extern "C"
