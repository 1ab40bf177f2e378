// The `email` kind against a real SMTP server (aiosmtpd): plain, STARTTLS,
// AUTH, refusals, a server that is down or never speaks; and the MIME it
// writes, read back with Python's email package.
#include "fake_server.hpp"
#include "mail_server.hpp"
#include "signflow/connectors/messages.hpp"
#include "signflow/connectors/registry.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>

using namespace signflow;
using namespace signflow::connectors;
using signflow::test::MailServer;
using signflow::test::TempDir;
using nlohmann::json;

namespace {

Loaded load(TempDir const& dir, std::string const& toml) {
    auto file = dir.path() / "signflow.toml";
    std::ofstream(file) << toml;
    auto config = load_config(file, [](std::string const& name) -> std::optional<std::string> {
        if (name == "SMTP_PASSWORD") return "s3cret";
        return std::nullopt;
    });
    return make_connectors(config, Services{});
}

engine::Connector& named(Loaded& loaded, std::string const& name) {
    for (auto& c : loaded.connectors)
        if (c->name() == name) return *c;
    throw std::runtime_error("no connector " + name);
}

std::string mailer(int port, std::string const& extra = "starttls = false\n") {
    return "[connectors.sales]\nkind = \"email\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = " + std::to_string(port) +
           "\nfrom = \"Acme Signing <signflow@acme.example>\"\nto = [\"sales@acme.example\", \"Boss <boss@acme.example>\"]\n"
           "timeout = \"10s\"\n" + extra;
}

engine::Delivery notify(std::string text = "Client NDA signed.") {
    engine::Delivery d;
    d.key = "42/7/0";
    d.instance = 42;
    d.workflow = "nda";
    d.kind = "notify";
    d.target = "sales";
    d.data = {{"workflow", "nda"}, {"data", text}};
    return d;
}

}  // namespace

TEST_CASE("email: notify over plain SMTP reaches every `to`", "[mail]") {
    TempDir dir;
    MailServer server(dir.path() / "smtp");
    auto loaded = load(dir, mailer(server.port()));
    auto result = named(loaded, "sales").deliver(notify("Client NDA signed.\n.hidden line starts with a dot"));
    INFO(result.error);
    REQUIRE(result.ok);
    CHECK(result.detail["reply"].get<std::string>().find("250") == 0);
    auto got = server.received();
    REQUIRE(got.size() == 1);
    CHECK(got[0]["mail_from"] == "signflow@acme.example");
    CHECK(got[0]["rcpt_tos"] == json::array({"sales@acme.example", "boss@acme.example"}));
    CHECK(got[0]["tls"] == false);
    CHECK(got[0]["subject"] == "nda: envelope 42");
    CHECK(got[0]["from"] == "Acme Signing <signflow@acme.example>");
    CHECK(got[0]["message_id"] == "<42_7_0.signflow@acme.example>");
    // Dot-stuffing: a line that starts with "." arrives whole.
    CHECK(got[0]["text"].get<std::string>().find("\n.hidden line starts with a dot") != std::string::npos);
    CHECK(got[0]["defects"].empty());
    CHECK(got[0]["bare_lf"] == 0);
}

TEST_CASE("email: STARTTLS with the server's certificate verified", "[mail]") {
    TempDir dir;
    auto [cert, key] = test::self_signed(dir.path(), "smtp", "IP:127.0.0.1");
    MailServer server(dir.path() / "smtp", {"--tls", cert.string(), key.string(), "--require-tls"});

    SECTION("trusted through ca_file") {
        auto loaded = load(dir, mailer(server.port(), "starttls = true\nca_file = \"" + cert.string() + "\"\n"));
        auto result = named(loaded, "sales").deliver(notify());
        INFO(result.error);
        REQUIRE(result.ok);
        auto got = server.received();
        REQUIRE(got.size() == 1);
        CHECK(got[0]["tls"] == true);
    }
    SECTION("opportunistic when starttls is not set") {
        auto loaded = load(dir, mailer(server.port(), "ca_file = \"" + cert.string() + "\"\n"));
        auto result = named(loaded, "sales").deliver(notify());
        INFO(result.error);
        REQUIRE(result.ok);
        CHECK(server.received().at(0)["tls"] == true);
    }
    SECTION("a certificate the system does not trust is refused, and retried") {
        auto loaded = load(dir, mailer(server.port(), "starttls = true\n"));
        auto result = named(loaded, "sales").deliver(notify());
        CHECK_FALSE(result.ok);
        CHECK_FALSE(result.permanent);
        CHECK_THAT(result.error, Catch::Contains("TLS handshake") && Catch::Contains("self-signed"));
        CHECK(server.received().empty());
    }
    SECTION("starttls = false against a server that requires it: 530 is permanent") {
        auto loaded = load(dir, mailer(server.port(), "starttls = false\n"));
        auto result = named(loaded, "sales").deliver(notify());
        CHECK_FALSE(result.ok);
        CHECK(result.permanent);
        CHECK_THAT(result.error, Catch::Contains("530"));
    }
}

TEST_CASE("email: starttls = true needs a server that offers it", "[mail]") {
    TempDir dir;
    MailServer server(dir.path() / "smtp");
    auto loaded = load(dir, mailer(server.port(), "starttls = true\n"));
    auto result = named(loaded, "sales").deliver(notify());
    CHECK_FALSE(result.ok);
    CHECK_THAT(result.error, Catch::Contains("does not offer STARTTLS"));
    CHECK(server.received().empty());
}

TEST_CASE("email: AUTH after STARTTLS", "[mail]") {
    TempDir dir;
    auto [cert, key] = test::self_signed(dir.path(), "smtp", "IP:127.0.0.1");
    MailServer server(dir.path() / "smtp",
                      {"--tls", cert.string(), key.string(), "--user", "signflow", "--password", "s3cret"});
    std::string const tls = "starttls = true\nca_file = \"" + cert.string() + "\"\nusername = \"signflow\"\n";

    SECTION("the right password") {
        auto loaded = load(dir, mailer(server.port(), tls + "password = \"${SMTP_PASSWORD}\"\n"));
        auto result = named(loaded, "sales").deliver(notify());
        INFO(result.error);
        REQUIRE(result.ok);
        auto got = server.received();
        REQUIRE(got.size() == 1);
        CHECK(got[0]["auth"] == "signflow");
        CHECK(got[0]["tls"] == true);
    }
    SECTION("a wrong password is permanent, and its value is not in the error") {
        auto loaded = load(dir, mailer(server.port(), tls + "password = \"wrong-pass\"\n"));
        auto result = named(loaded, "sales").deliver(notify());
        CHECK_FALSE(result.ok);
        CHECK(result.permanent);
        CHECK_THAT(result.error, Catch::Contains("535"));
        CHECK(result.error.find("wrong-pass") == std::string::npos);
        CHECK(server.received().empty());
    }
}

TEST_CASE("email: implicit TLS (tls = true) and AUTH LOGIN", "[mail]") {
    TempDir dir;
    auto [cert, key] = test::self_signed(dir.path(), "smtp", "IP:127.0.0.1");
    MailServer server(dir.path() / "smtp", {"--tls", cert.string(), key.string(), "--implicit-tls", "--user", "signflow",
                                            "--password", "s3cret", "--login-only",
                                            // aiosmtpd 1.4 offers AUTH on implicit TLS only with this flag
                                            "--auth-without-tls"});
    auto loaded = load(dir, mailer(server.port(), "tls = true\nca_file = \"" + cert.string() +
                                                      "\"\nusername = \"signflow\"\npassword = \"s3cret\"\n"));
    auto result = named(loaded, "sales").deliver(notify());
    INFO(result.error);
    REQUIRE(result.ok);
    auto got = server.received();
    REQUIRE(got.size() == 1);
    CHECK(got[0]["tls"] == true);
    CHECK(got[0]["auth"] == "signflow");
}

TEST_CASE("email: AUTH without TLS only to a loopback relay", "[mail]") {
    TempDir dir;
    MailServer server(dir.path() / "smtp", {"--user", "signflow", "--password", "s3cret", "--auth-without-tls"});
    auto loaded = load(dir, mailer(server.port(), "starttls = false\nusername = \"signflow\"\npassword = \"s3cret\"\n"));
    auto result = named(loaded, "sales").deliver(notify());
    INFO(result.error);
    REQUIRE(result.ok);
    CHECK(server.received().at(0)["auth"] == "signflow");

    // The same settings for a remote host are refused when the file loads.
    std::string remote = "[connectors.sales]\nkind = \"email\"\nsmtp_host = \"smtp.example.com\"\nstarttls = false\n"
                         "username = \"signflow\"\npassword = \"x\"\nfrom = \"a@example.com\"\n";
    try {
        load(dir, remote);
        FAIL("no ConfigError");
    } catch (ConfigError const& e) {
        CHECK_THAT(e.what(), Catch::Contains("signflow.toml:5:") && Catch::Contains("`username`") &&
                                 Catch::Contains("clear text"));
    }
}

TEST_CASE("email: a server that is down or slow is retried", "[mail]") {
    TempDir dir;
    SECTION("refused") {
        test::RefusingPort port;
        auto loaded = load(dir, mailer(port.port()));
        auto result = named(loaded, "sales").deliver(notify());
        CHECK_FALSE(result.ok);
        CHECK_FALSE(result.permanent);
        CHECK_THAT(result.error, Catch::Contains("cannot connect") && Catch::Contains("127.0.0.1:"));
    }
    SECTION("never greets: the session's deadline ends it") {
        test::SilentPort port;
        auto loaded = load(dir, "[connectors.sales]\nkind = \"email\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = " +
                                    std::to_string(port.port()) +
                                    "\nstarttls = false\nfrom = \"a@acme.example\"\nto = \"b@acme.example\"\n"
                                    "timeout = \"500ms\"\n");
        auto result = named(loaded, "sales").deliver(notify());
        CHECK_FALSE(result.ok);
        CHECK_FALSE(result.permanent);
        CHECK_THAT(result.error, Catch::Contains("timed out"));
    }
}

TEST_CASE("email: 5xx replies are permanent, 4xx are retried", "[mail]") {
    TempDir dir;
    SECTION("550 to RCPT") {
        MailServer server(dir.path() / "smtp", {"--reject-rcpt", "550"});
        auto loaded = load(dir, mailer(server.port()));
        auto result = named(loaded, "sales").deliver(notify());
        CHECK_FALSE(result.ok);
        CHECK(result.permanent);
        CHECK_THAT(result.error, Catch::Contains("RCPT TO <sales@acme.example>: 550"));
    }
    SECTION("451 to RCPT") {
        MailServer server(dir.path() / "smtp", {"--reject-rcpt", "451"});
        auto loaded = load(dir, mailer(server.port()));
        auto result = named(loaded, "sales").deliver(notify());
        CHECK_FALSE(result.ok);
        CHECK_FALSE(result.permanent);
        CHECK_THAT(result.error, Catch::Contains("451"));
    }
    SECTION("554 after DATA") {
        MailServer server(dir.path() / "smtp", {"--reject-data", "554"});
        auto loaded = load(dir, mailer(server.port()));
        auto result = named(loaded, "sales").deliver(notify());
        CHECK_FALSE(result.ok);
        CHECK(result.permanent);
        CHECK_THAT(result.error, Catch::Contains("554"));
    }
}

TEST_CASE("email: the transport sends MIME a mail reader understands", "[mail]") {
    TempDir dir;
    MailServer server(dir.path() / "smtp");
    auto loaded = load(dir, mailer(server.port()));
    REQUIRE(loaded.mail.count("sales"));
    std::string pdf = "%PDF-1.7\n";
    for (int i = 0; i < 5000; ++i) pdf += static_cast<char>(i * 7 % 256);
    MailMessage m;
    m.from = loaded.mail["sales"]->sender();
    m.to = {{"张伟", "zhang.wei@example.cn"}};
    m.subject = "请签署：保密协议（信封 42）— a long subject that needs more than one encoded word to carry it all";
    m.text = "您好：\n\n请签署。\n.\n..two dots\n";
    m.html = "<p>您好</p>";
    m.attachments = {{"合同 42.pdf", "application/pdf", pdf}};
    auto sent = loaded.mail["sales"]->send(m);
    INFO(sent.error);
    REQUIRE(sent.ok);
    auto got = server.received().at(0);
    CHECK(got["subject"] == m.subject);
    CHECK(got["to"] == "张伟 <zhang.wei@example.cn>");
    CHECK(got["text"] == "您好：\r\n\r\n请签署。\r\n.\r\n..two dots\r\n");
    CHECK(got["html"].get<std::string>().find("<p>您好</p>") != std::string::npos);
    REQUIRE(got["attachments"].size() == 1);
    CHECK(got["attachments"][0]["filename"] == "合同 42.pdf");
    CHECK(got["attachments"][0]["content_type"] == "application/pdf");
    CHECK(got["attachments"][0]["size"] == pdf.size());
    CHECK(got["content_type"] == "multipart/mixed");
    CHECK(got["mail_options"] == json::array({"BODY=8BITMIME"}));
    CHECK(got["defects"].empty());
    CHECK(got["long_lines"] == 0);
}

TEST_CASE("email: settings are checked when the file loads", "[mail]") {
    TempDir dir;
    auto error = [&](std::string const& toml) {
        try {
            load(dir, toml);
        } catch (ConfigError const& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    std::string const head = "[connectors.sales]\nkind = \"email\"\n";
    CHECK_THAT(error(head + "from = \"a@b.c\"\n"), Catch::Contains("`smtp_host` required"));
    CHECK_THAT(error(head + "smtp_host = \"h\"\nfrom = \"not an address\"\n"),
               Catch::Contains("signflow.toml:4:") && Catch::Contains("`from` is not an email address"));
    CHECK_THAT(error(head + "smtp_host = \"h\"\nfrom = \"a@b.c\"\nsmtp_prot = 25\n"),
               Catch::Contains("`smtp_prot` unknown setting"));
    CHECK_THAT(error(head + "smtp_host = \"h\"\nfrom = \"a@b.c\"\ntls = true\nstarttls = true\n"),
               Catch::Contains("`starttls` cannot be true with tls = true"));
}

TEST_CASE("email: MIME without 8BITMIME is 7-bit clean and reads back the same", "[mail]") {
    TempDir dir;
    MailMessage m;
    m.from = {"Acme \"Signing\"", "sign@acme.example"};
    m.to = {{"", "a@example.com"}};
    m.subject = "Ünïcödé and a very long subject line that goes on and on well past the seventy-six column mark ok";
    m.text = "Grüße,\nline with trailing space \n" + std::string(200, 'x') + "=\nhttps://sign.example/sign/" +
             std::string(60, 'a') + "\n";
    m.html = "<p>Grüße</p>";
    std::string const mime = to_mime(m, MimeOptions{false});
    CHECK(std::all_of(mime.begin(), mime.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }));
    auto file = dir.path() / "m.eml";
    std::ofstream(file, std::ios::binary) << mime;
    auto parsed = test::parse_eml(file);
    CHECK(parsed["subject"] == m.subject);
    CHECK(parsed["from"] == "\"Acme \\\"Signing\\\"\" <sign@acme.example>");
    std::string expected = m.text;
    for (std::size_t i = 0; (i = expected.find('\n', i)) != std::string::npos; i += 2) expected.insert(i, "\r");
    CHECK(parsed["text"] == expected);
    CHECK(parsed["html"] == "<p>Grüße</p>\r\n");
    CHECK(parsed["long_lines"] == 0);
    CHECK(parsed["defects"].empty());

    // An address that would break a header is refused.
    m.to = {{"", "a@example.com>\r\nBcc: everyone@example.com"}};
    CHECK_THROWS_AS(to_mime(m), std::invalid_argument);
}
