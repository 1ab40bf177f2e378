#pragma once
// The mail tests' peers: mail_server.py (aiosmtpd, a real SMTP server) on a
// free port of 127.0.0.1, stopped when the object goes; mail_parse.py to
// read an .eml file the way a mail reader does; a port that accepts
// connections but never speaks.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace signflow::test {

class MailServer {
public:
    // mail_server.py --dir <dir> ARGS…; returns once it listens.
    MailServer(std::filesystem::path dir, std::vector<std::string> args = {});
    ~MailServer();
    MailServer(MailServer const&) = delete;
    MailServer& operator=(MailServer const&) = delete;

    int port() const { return port_; }
    // Every accepted message so far, in order: mail_parse.py's summary plus
    // mail_from, rcpt_tos, tls, auth.
    std::vector<nlohmann::json> received() const;
    std::filesystem::path const& dir() const { return dir_; }

private:
    int pid_ = -1;
    int port_ = 0;
    std::filesystem::path dir_;
};

// mail_parse.py FILE: the summary of an .eml file.
nlohmann::json parse_eml(std::filesystem::path const& file);

// A 127.0.0.1 port that listens (connections complete in the backlog) but
// never accepts: an SMTP server that never greets.
class SilentPort {
public:
    SilentPort();
    ~SilentPort();
    int port() const { return port_; }

private:
    int fd_ = -1;
    int port_ = 0;
};

}  // namespace signflow::test
