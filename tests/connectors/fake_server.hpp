#pragma once
// Test peers for the http and webhook connectors: fake_apis.py run under
// Debian's /usr/bin/python3 on a free port of 127.0.0.1, stopped when the
// object goes; a port where nothing listens; a self-signed certificate.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace signflow::test {

// A scratch folder, removed with everything in it at the end of the test.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(TempDir const&) = delete;
    TempDir& operator=(TempDir const&) = delete;
    std::filesystem::path const& path() const { return path_; }

private:
    std::filesystem::path path_;
};

class FakeApi {
public:
    // fake_apis.py MODE --record <dir>/MODE.jsonl ARGS…; returns once it listens.
    FakeApi(std::filesystem::path const& dir, std::string const& mode, std::vector<std::string> args = {});
    ~FakeApi();
    FakeApi(FakeApi const&) = delete;
    FakeApi& operator=(FakeApi const&) = delete;

    int port() const { return port_; }
    std::string url(std::string const& path = "/", bool tls = false) const;
    // Every request it got so far, in order (it records before it answers;
    // a record being written is not returned yet).
    std::vector<nlohmann::json> received() const;

private:
    int pid_ = -1;
    int port_ = 0;
    std::filesystem::path record_;
};

// A 127.0.0.1 port bound but not listening: connecting is refused.
class RefusingPort {
public:
    RefusingPort();
    ~RefusingPort();
    int port() const { return port_; }

private:
    int fd_ = -1;
    int port_ = 0;
};

// `openssl req` in `dir`: a self-signed certificate for `names` (subjectAltName
// entries, e.g. "IP:127.0.0.1,DNS:localhost"); returns {cert, key}.
std::pair<std::filesystem::path, std::filesystem::path> self_signed(std::filesystem::path const& dir,
                                                                    std::string const& stem,
                                                                    std::string const& names);

}  // namespace signflow::test
