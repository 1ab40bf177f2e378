#include "signflow/engine/connector.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <stdexcept>
#include <unistd.h>

namespace signflow::engine {
namespace {

class LogConnector final : public Connector {
public:
    LogConnector(std::string name, std::string path) : name_(std::move(name)), path_(std::move(path)) {
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (fd_ < 0) throw std::runtime_error("cannot open " + path_ + ": " + std::strerror(errno));
    }
    ~LogConnector() override {
        if (fd_ >= 0) ::close(fd_);
    }
    std::string const& name() const override { return name_; }

    DeliveryResult deliver(Delivery const& d) override {
        nlohmann::json line = {{"key", d.key},   {"instance", d.instance}, {"workflow", d.workflow},
                               {"kind", d.kind}, {"target", d.target},     {"attempt", d.attempt}};
        if (!d.operation.empty()) line["operation"] = d.operation;
        if (!d.data.is_null()) line["data"] = d.data;
        std::string text = line.dump() + "\n";
        std::lock_guard lock(mutex_);
        // One write(2) per line: O_APPEND keeps lines whole between writers.
        ssize_t n = ::write(fd_, text.data(), text.size());
        if (n != static_cast<ssize_t>(text.size())) return {false, false, path_ + ": " + std::strerror(errno), {}};
        return {true, false, {}, {}};
    }

    bool flush(std::string& error) override {
        std::lock_guard lock(mutex_);
        if (::fdatasync(fd_) == 0) return true;
        error = path_ + ": " + std::strerror(errno);
        return false;
    }

private:
    std::string name_, path_;
    int fd_ = -1;
    std::mutex mutex_;
};

}  // namespace

std::unique_ptr<Connector> make_log_connector(std::string name, std::string path) {
    return std::make_unique<LogConnector>(std::move(name), std::move(path));
}

}  // namespace signflow::engine
