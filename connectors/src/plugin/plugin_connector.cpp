// The host side of one plugin connector: C++ in, C across, C++ out. Nothing
// thrown here may cross into the plugin (the result callbacks catch
// everything), and whatever a misbehaving plugin throws across the C line is
// caught here as well as it can be: undefined behaviour, but GCC-built
// plugins do unwind into this frame, and a failed delivery beats a dead
// daemon.
#include "plugin/plugins.hpp"

#include <array>

namespace signflow::connectors::plugin {
namespace {

// What deliver said besides its status; filled by the callbacks.
struct ResultSink {
    std::string error;
    std::string detail;
    bool has_detail = false;
};

extern "C" void sink_set_error(void* host, char const* text, std::size_t size) {
    try {
        static_cast<ResultSink*>(host)->error.assign(text ? text : "", text ? size : 0);
    } catch (...) {  // out of memory: keep what we have
    }
}

extern "C" void sink_set_detail(void* host, char const* json, std::size_t size) {
    try {
        auto* sink = static_cast<ResultSink*>(host);
        sink->detail.assign(json ? json : "", json ? size : 0);
        sink->has_detail = true;
    } catch (...) {
    }
}

class PluginConnector final : public engine::Connector {
public:
    PluginConnector(ConnectorSpec const& spec, PluginKind kind, Services const& services)
        : name_(spec.name), kind_(std::move(kind)), warn_(services.warn) {
        std::string settings = spec.settings.dump();
        std::array<char, 1024> error{};
        try {
            handle_ = kind_.kind->create(name_.data(), name_.size(), settings.data(), settings.size(), error.data(),
                                         error.size());
        } catch (...) {
            throw ConfigError(spec.where.text() + ": connector `" + name_ + "`: " + origin() +
                              ": create threw a C++ exception across the C interface (a plugin bug)");
        }
        if (!handle_) {
            error.back() = '\0';
            std::string why = error.data();
            throw ConfigError(spec.where.text() + ": connector `" + name_ + "`: " + origin() +
                              " refused the settings: " + (why.empty() ? "(no reason given)" : why));
        }
    }

    ~PluginConnector() override {
        try {
            kind_.kind->destroy(handle_);
        } catch (...) {
        }
    }

    std::string const& name() const override { return name_; }

    engine::DeliveryResult deliver(engine::Delivery const& d) override {
        nlohmann::json j = {{"key", d.key},       {"instance", d.instance},   {"workflow", d.workflow},
                            {"kind", d.kind},     {"target", d.target},       {"operation", d.operation},
                            {"data", d.data},     {"attempt", d.attempt}};
        std::string text = j.dump();
        ResultSink sink;
        signflow_delivery_result result{&sink, &sink_set_error, &sink_set_detail};
        int status = SIGNFLOW_DELIVERY_RETRY;
        try {
            status = kind_.kind->deliver(handle_, text.data(), text.size(), &result);
        } catch (std::exception const& e) {
            return {false, false, origin() + ": deliver threw a C++ exception across the C interface (a plugin bug): " + e.what(), {}};
        } catch (...) {
            return {false, false, origin() + ": deliver threw across the C interface (a plugin bug)", {}};
        }
        switch (status) {
        case SIGNFLOW_DELIVERY_OK: return {true, false, {}, detail_of(sink)};
        case SIGNFLOW_DELIVERY_PERMANENT:
            return {false, true, sink.error.empty() ? origin() + ": failed for good (no reason given)" : sink.error, {}};
        case SIGNFLOW_DELIVERY_RETRY:
            return {false, false, sink.error.empty() ? origin() + ": failed (no reason given)" : sink.error, {}};
        default:
            return {false, false,
                    origin() + ": deliver returned " + std::to_string(status) + ", not a delivery status" +
                        (sink.error.empty() ? std::string() : ": " + sink.error),
                    {}};
        }
    }

private:
    std::string origin() const {
        return "kind `" + std::string(kind_.kind->kind) + "` of plugin " + kind_.library->file().filename().string();
    }

    nlohmann::json detail_of(ResultSink const& sink) const {
        if (!sink.has_detail) return nullptr;
        auto detail = nlohmann::json::parse(sink.detail, nullptr, false);
        if (detail.is_object()) return detail;
        if (warn_) warn_("connector " + name_ + ": " + origin() + " reported a detail that is not a JSON object; ignored");
        return nullptr;
    }

    std::string name_;
    PluginKind kind_;
    std::function<void(std::string const&)> warn_;
    void* handle_ = nullptr;
};

}  // namespace

std::unique_ptr<engine::Connector> make_plugin_connector(ConnectorSpec const& spec, PluginKind const& kind,
                                                         Services const& services) {
    return std::make_unique<PluginConnector>(spec, kind, services);
}

}  // namespace signflow::connectors::plugin
