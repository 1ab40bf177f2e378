#pragma once
// Makes the configured connector instances: the built-in kinds (http,
// webhook, archive, log, email, sms) and the kinds that plugins loaded from the plugins
// folder provide. The daemon adds the result to its runtime.
#include "signflow/connectors/config.hpp"
#include "signflow/engine/connector.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace signflow::connectors {

// What the archive connector needs from the daemon for one envelope: the
// final document and its evidence. `ready` false (with `why`) while the
// sealed document is not there yet: the delivery is retried later.
struct ArchiveBundle {
    bool ready = false;
    std::string why;
    std::string workflow;
    std::int64_t created_ms = 0;
    std::string pdf;               // the latest (sealed) revision; empty when the workflow has no document
    nlohmann::json audit;          // the audit trail export
    nlohmann::json certificate;    // the certificate of completion
    // An envelope of several documents: each sealed one, in the order they
    // were filled (`pdf` is then the first one's). Empty for one document.
    struct Document {
        std::string name;  // the template
        std::string pdf;
    };
    std::vector<Document> documents;
};
using ArchiveSource = std::function<ArchiveBundle(std::int64_t envelope)>;

struct Services {
    ArchiveSource archive;  // required for archive connectors
    std::function<void(std::string const&)> warn;  // log a warning (never with secrets)
    std::string log_folder; // where `log` connectors without a path write
};

class MailTransport;  // messages.hpp
class SmsTransport;

struct Loaded {
    std::vector<std::unique_ptr<engine::Connector>> connectors;
    // The transports of the email and sms connectors, by connector name, for
    // the `messages` connector (make_messages_connector).
    std::map<std::string, std::shared_ptr<MailTransport>> mail;
    std::map<std::string, std::shared_ptr<SmsTransport>> sms;
    std::vector<std::string> problems;  // plugins that failed to load, each naming the file and why
};

// Throws ConfigError for a connector whose settings are wrong (naming the
// connector, the key and file:line). A plugin that cannot be loaded is a
// problem, not an error: the daemon keeps the others.
Loaded make_connectors(Config const& config, Services const& services);

}  // namespace signflow::connectors
