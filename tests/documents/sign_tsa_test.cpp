// PAdES B-T: the signature value timestamped by an RFC 3161 TSA — a local
// one, `openssl ts -reply` behind python's http.server, with its own
// timeStamping certificate. The token is checked three ways: pdfsig,
// verify(), and `openssl ts -verify` against the signature value.
#include "sign_support.hpp"

#include "signflow/documents/error.hpp"
#include "signflow/documents/signing.hpp"
#include "signflow/documents/verify.hpp"

#include <catch2/catch.hpp>
#include <openssl/cms.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>
#include <sys/wait.h>
#include <csignal>

using namespace signflow::documents;
using namespace signflow::documents::testing;

namespace {

SignRequest timestamped_request(std::string const& url) {
    SignRequest request;
    request.appearance.name = "Ada Lovelace";
    request.appearance.date_text = "2026-11-27 09:14 (Europe/London)";
    request.when = std::chrono::system_clock::now();
    request.tsa_url = url;
    return request;
}

// A port on 127.0.0.1 that nothing listens on (bound, then closed).
int closed_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
}

}  // namespace

TEST_CASE("an RFC 3161 timestamp from a local TSA (PAdES B-T)", "[sign][tsa]") {
    LocalTsa tsa;
    ScratchDir dir;
    auto const& keys = test_keys();
    auto creds = load_credentials(keys.key_pem, keys.cert_pem);
    std::string first = sign(two_page_pdf(), *creds, timestamped_request(tsa.url()));
    std::string both = sign(first, *creds, timestamped_request(tsa.url()));

    auto file = dir.write("bt.pdf", both);
    auto report = pdfsig(file);
    INFO(report);
    CHECK(count(report, "Signature is Valid.") == 2);
    // poppler 22.12 prints no timestamp line; if a later one does, it must
    // not call the timestamp invalid.
    bool no_timestamp_complaint = report.find("Timestamp") == std::string::npos ||
                                  report.find("Timestamp is invalid") == std::string::npos;
    CHECK(no_timestamp_complaint);

    auto verdicts = verify(both);
    REQUIRE(verdicts.size() == 2);
    for (auto const& v : verdicts) {
        INFO(v.problem);
        CHECK(v.valid());
        CHECK(v.timestamped);
        CHECK(v.timestamp_time.find("GMT") != std::string::npos);
    }

    // The token's imprint is the SHA-256 of the signature value: ask
    // `openssl ts -verify` with the TSA's certificate as the trust anchor.
    auto contents_at = first.rfind("/Contents<") + 10;
    std::string der;
    for (auto i = contents_at; first[i] != '>'; i += 2)
        der.push_back(static_cast<char>(std::stoi(first.substr(i, 2), nullptr, 16)));
    auto const* p = reinterpret_cast<unsigned char const*>(der.data());
    CMS_ContentInfo* cms = d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size()));
    REQUIRE(cms != nullptr);
    CMS_SignerInfo* signer = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
    ASN1_OCTET_STRING* value = CMS_SignerInfo_get0_signature(signer);
    auto value_file = dir.write("value.bin", std::string(reinterpret_cast<char const*>(ASN1_STRING_get0_data(value)),
                                                         static_cast<std::size_t>(ASN1_STRING_length(value))));
    auto const* token = static_cast<ASN1_STRING const*>(CMS_unsigned_get0_data_by_OBJ(
        signer, OBJ_nid2obj(NID_id_smime_aa_timeStampToken), -3, V_ASN1_SEQUENCE));
    REQUIRE(token != nullptr);
    auto token_file = dir.write("token.der", std::string(reinterpret_cast<char const*>(ASN1_STRING_get0_data(token)),
                                                         static_cast<std::size_t>(ASN1_STRING_length(token))));
    CMS_ContentInfo_free(cms);
    int status = 0;
    auto checked = run("openssl ts -verify -data '" + value_file.string() + "' -in '" + token_file.string() +
                           "' -token_in -CAfile '" + tsa.certificate().string() + "'",
                       &status);
    INFO(checked);
    CHECK(status == 0);
    CHECK(checked.find("Verification: OK") != std::string::npos);

    // The timestamp made the reserved hole bigger, not the signature invalid
    // when a later signer adds one without a timestamp.
    auto plain = timestamped_request("");
    auto mixed = verify(sign(both, *creds, plain));
    REQUIRE(mixed.size() == 3);
    CHECK(mixed[2].valid());
    CHECK_FALSE(mixed[2].timestamped);
}

TEST_CASE("a TSA that is down is a clear error", "[sign][tsa]") {
    auto const& keys = test_keys();
    auto creds = load_credentials(keys.key_pem, keys.cert_pem);
    std::string url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/tsa";
    CHECK_THROWS_WITH(sign(two_page_pdf(), *creds, timestamped_request(url)),
                      Catch::Contains("TSA " + url) && Catch::Contains("not reachable"));
    CHECK_THROWS_WITH(sign(two_page_pdf(), *creds, timestamped_request("http:///tsa")),
                      Catch::Contains("TSA URL http:///tsa: no host"));
    CHECK_THROWS_WITH(sign(two_page_pdf(), *creds, timestamped_request("ftp://x/")),
                      Catch::Contains("TSA URL ftp://x/: unsupported scheme `ftp`"));
}

TEST_CASE("a server that is not a TSA is a clear error", "[sign][tsa]") {
    // python's http.server answers POST with 501.
    ScratchDir dir;
    dir.write("serve.py", R"(import http.server, os
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(('127.0.0.1', 0), Quiet)
open('port.tmp', 'w').write(str(server.server_address[1])); os.rename('port.tmp', 'port')
server.serve_forever()
)");
    pid_t child = ::fork();
    if (child == 0) {
        if (::chdir(dir.path.c_str()) != 0) ::_exit(127);
        ::execl("/usr/bin/python3", "python3", "serve.py", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    for (int tries = 0; tries < 200 && !std::filesystem::exists(dir.path / "port"); ++tries) ::usleep(25000);
    std::string url = "http://127.0.0.1:" + slurp(dir.path / "port") + "/";
    auto const& keys = test_keys();
    auto creds = load_credentials(keys.key_pem, keys.cert_pem);
    CHECK_THROWS_WITH(sign(two_page_pdf(), *creds, timestamped_request(url)), Catch::Contains("answered HTTP 501"));
    ::kill(child, SIGTERM);
    ::waitpid(child, nullptr, 0);
}
