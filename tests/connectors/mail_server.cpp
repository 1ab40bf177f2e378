#include "mail_server.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace signflow::test {
namespace fs = std::filesystem;

namespace {
std::string script(char const* name) { return std::string(SIGNFLOW_SOURCE_DIR) + "/tests/connectors/" + name; }
}  // namespace

MailServer::MailServer(fs::path dir, std::vector<std::string> args) : dir_(std::move(dir)) {
    fs::create_directories(dir_);
    std::vector<std::string> argv = {"/usr/bin/python3", script("mail_server.py"), "--dir", dir_.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        ::dup2(out[1], 1);
        ::close(out[0]);
        ::close(out[1]);
        std::vector<char*> cargv;
        for (auto& a : argv) cargv.push_back(a.data());
        cargv.push_back(nullptr);
        ::execv(cargv[0], cargv.data());
        ::_exit(127);
    }
    ::close(out[1]);
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(out[0]);
    if (line.rfind("PORT ", 0) != 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        throw std::runtime_error("mail_server.py did not start (got `" + line + "`)");
    }
    port_ = std::stoi(line.substr(5));
}

MailServer::~MailServer() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
}

std::vector<nlohmann::json> MailServer::received() const {
    std::vector<nlohmann::json> out;
    for (int n = 1;; ++n) {
        std::ifstream in(dir_ / (std::to_string(n) + ".json"));
        if (!in) break;
        out.push_back(nlohmann::json::parse(in));
    }
    return out;
}

nlohmann::json parse_eml(fs::path const& file) {
    std::string command = "/usr/bin/python3 " + script("mail_parse.py") + " '" + file.string() + "'";
    FILE* p = ::popen(command.c_str(), "r");
    if (!p) throw std::runtime_error("cannot run mail_parse.py");
    std::string text;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) text.append(buf, n);
    if (::pclose(p) != 0) throw std::runtime_error("mail_parse.py failed on " + file.string());
    return nlohmann::json::parse(text);
}

SilentPort::SilentPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 8) != 0)
        throw std::runtime_error("cannot listen on 127.0.0.1");
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
}

SilentPort::~SilentPort() {
    if (fd_ >= 0) ::close(fd_);
}

}  // namespace signflow::test
