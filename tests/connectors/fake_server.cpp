#include "fake_server.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <netinet/in.h>
#include <random>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace signflow::test {
namespace fs = std::filesystem;

TempDir::TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("signflow-http-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(path_);
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

FakeApi::FakeApi(fs::path const& dir, std::string const& mode, std::vector<std::string> args)
    : record_(dir / (mode + "-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".jsonl")) {
    std::string script = std::string(SIGNFLOW_SOURCE_DIR) + "/tests/connectors/fake_apis.py";
    std::vector<std::string> argv = {"/usr/bin/python3", script, mode, "--record", record_.string()};
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
    // The first line is "PORT n", written once the socket listens; EOF
    // first means the script died (its error went to our stderr).
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(out[0]);
    if (line.rfind("PORT ", 0) != 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        throw std::runtime_error("fake_apis.py " + mode + " did not start (got `" + line + "`)");
    }
    port_ = std::stoi(line.substr(5));
}

FakeApi::~FakeApi() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
}

std::string FakeApi::url(std::string const& path, bool tls) const {
    return std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<nlohmann::json> FakeApi::received() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(record_, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Whole lines only: a test that polls while the server appends a record
    // may read its first part, which ends without the newline.
    for (std::size_t at = 0, end; (end = text.find('\n', at)) != std::string::npos; at = end + 1)
        if (end > at) out.push_back(nlohmann::json::parse(text.substr(at, end - at)));
    return out;
}

RefusingPort::RefusingPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw std::runtime_error("cannot bind a port on 127.0.0.1");
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
}

RefusingPort::~RefusingPort() {
    if (fd_ >= 0) ::close(fd_);
}

std::pair<fs::path, fs::path> self_signed(fs::path const& dir, std::string const& stem, std::string const& names) {
    auto cert = dir / (stem + ".pem"), key = dir / (stem + "-key.pem");
    std::string command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
                          " -subj /CN=signflow-test -addext subjectAltName=" +
                          names + " -keyout " + key.string() + " -out " + cert.string() + " 2>/dev/null";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("openssl req failed: " + command);
    return {cert, key};
}

}  // namespace signflow::test
