// The `messages` connector: what signers receive, through a real SMTP
// server, an SMS gateway stand-in, or the outbox folder.
#include "fake_server.hpp"
#include "mail_server.hpp"
#include "signflow/connectors/messages.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <mutex>
#include <set>

using namespace signflow;
using namespace signflow::connectors;
using signflow::test::FakeApi;
using signflow::test::MailServer;
using signflow::test::TempDir;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

Config config_of(TempDir const& dir, std::string const& toml) {
    auto file = dir.path() / "signflow.toml";
    std::ofstream(file) << toml;
    return load_config(file, [](std::string const&) { return std::optional<std::string>(); });
}

std::string smtp(int port) {
    return "[connectors.mailer]\nkind = \"email\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = " + std::to_string(port) +
           "\nstarttls = false\nfrom = \"Acme Signing <sign@acme.example>\"\n";
}

std::string sms(std::string const& url) {
    return "[connectors.texts]\nkind = \"sms\"\nurl = \"" + url +
           "\"\naccount = \"AC123\"\ntoken = \"tok\"\nsender_id = \"ACME\"\n";
}

// What the daemon passes: links that name the role and purpose, a signed
// copy, the envelope's signers, and a log.
struct Daemon {
    std::string pdf = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n";
    bool ready = true;
    bool can_act = true;
    json roles = {{"client", {{"name", "Ada <Lovelace> & Co"}, {"email", "ada@client.example"}, {"language", "en"}}},
                  {"manager", {{"name", "王芳"}, {"email", "wang.fang@acme.example"}, {"language", "zh-CN"}}},
                  {"witness", {{"name", "No Mail"}, {"phone", "+15550100"}}}};
    std::vector<std::string> log;
    std::vector<std::string> purposes;  // what each link was asked for
    std::mutex mutex;

    MessageServices services() {
        MessageServices s;
        s.link = [this](std::int64_t envelope, std::string const& role, std::string const& purpose) -> std::string {
            {
                std::lock_guard lock(mutex);
                purposes.push_back(purpose);
            }
            if (!can_act) return "";
            // A signing request's link is a signing link ("request" lets the
            // daemon skip it for a signer who has one).
            std::string path = purpose == "request" ? "sign" : purpose;
            return "https://sign.example/" + path + "/" + std::to_string(envelope) + "-" + role + "-tok?x=1&y=2";
        };
        s.final_copy = [this](std::int64_t) {
            ArchiveBundle b;
            b.ready = ready;
            b.why = ready ? "" : "not sealed yet";
            b.workflow = "nda";
            b.pdf = pdf;
            return b;
        };
        s.roles = [this](std::int64_t) { return roles; };
        s.info = [this](std::string const& line) {
            std::lock_guard lock(mutex);
            log.push_back(line);
        };
        return s;
    }
};

engine::Delivery message(std::string kind, json to, json extra = json::object()) {
    engine::Delivery d;
    d.key = "42/3/" + kind;
    d.instance = 42;
    d.workflow = "nda";
    d.kind = kind;
    d.target = to.is_object() ? to.value("role", "") : "";
    d.data = {{"workflow", "nda"}, {"to", to}};
    d.data.update(extra);
    return d;
}

json client() {
    return {{"role", "client"}, {"name", "Ada <Lovelace> & Co"}, {"email", "ada@client.example"}, {"language", "en"}};
}

}  // namespace

TEST_CASE("messages: a signing request by email, in English and Chinese", "[messages]") {
    TempDir dir;
    MailServer server(dir.path() / "smtp");
    auto config = config_of(dir, smtp(server.port()) + "[messages]\nemail = \"mailer\"\n");
    auto loaded = make_connectors(config, Services{});
    Daemon daemon;
    auto messages = make_messages_connector(config, loaded, daemon.services(), dir.path() / "outbox");
    REQUIRE(messages->name() == "messages");

    auto result = messages->deliver(message("request_signature", client()));
    INFO(result.error);
    REQUIRE(result.ok);
    json manager = {{"role", "manager"}, {"name", "王芳"}, {"email", "wang.fang@acme.example"}, {"language", "zh-CN"}};
    result = messages->deliver(message("remind", manager));
    REQUIRE(result.ok);
    CHECK(daemon.purposes == std::vector<std::string>{"request", "sign"});

    auto got = server.received();
    REQUIRE(got.size() == 2);
    auto const& en = got[0];
    CHECK(en["rcpt_tos"] == json::array({"ada@client.example"}));
    CHECK(en["subject"] == "Please sign: nda (envelope 42)");
    CHECK(en["from"] == "Acme Signing <sign@acme.example>");
    CHECK(en["content_type"] == "multipart/alternative");
    std::string const link = "https://sign.example/sign/42-client-tok?x=1&y=2";
    CHECK_THAT(en["text"].get<std::string>(), Catch::Contains("Hello Ada <Lovelace> & Co,") && Catch::Contains(link));
    // The HTML alternative escapes the values, the link included.
    std::string const html = en["html"];
    CHECK_THAT(html, Catch::Contains("Hello Ada &lt;Lovelace&gt; &amp; Co,"));
    CHECK_THAT(html, Catch::Contains("href=\"https://sign.example/sign/42-client-tok?x=1&amp;y=2\""));
    CHECK(html.find("<Lovelace>") == std::string::npos);
    CHECK(en["defects"].empty());

    auto const& zh = got[1];
    CHECK(zh["subject"] == "提醒：请签署 nda（信封 42）");
    CHECK(zh["to"] == "王芳 <wang.fang@acme.example>");
    CHECK_THAT(zh["text"].get<std::string>(),
               Catch::Contains("王芳，您好") && Catch::Contains("https://sign.example/sign/42-manager-tok"));
    CHECK_THAT(zh["html"].get<std::string>(), Catch::Contains("lang=\"zh-Hans\""));

    // The log says what went where, never the link.
    for (auto const& line : daemon.log) CHECK(line.find("tok") == std::string::npos);
}

TEST_CASE("messages: nothing is sent to a signer who cannot act any more", "[messages]") {
    TempDir dir;
    MailServer server(dir.path() / "smtp");
    auto config = config_of(dir, smtp(server.port()) + "[messages]\nemail = \"mailer\"\n");
    auto loaded = make_connectors(config, Services{});
    Daemon daemon;
    daemon.can_act = false;
    auto messages = make_messages_connector(config, loaded, daemon.services(), dir.path() / "outbox");
    auto result = messages->deliver(message("remind", client()));
    REQUIRE(result.ok);
    CHECK(result.detail["sent"][0]["skipped"] == "the signer cannot act any more");
    CHECK(server.received().empty());
}

TEST_CASE("messages: warn_expiry writes to every pending signer", "[messages]") {
    TempDir dir;
    MailServer server(dir.path() / "smtp");
    auto config = config_of(dir, smtp(server.port()) + "[messages]\nemail = \"mailer\"\n");
    auto loaded = make_connectors(config, Services{});
    Daemon daemon;
    auto messages = make_messages_connector(config, loaded, daemon.services(), dir.path() / "outbox");
    daemon.roles["manager"] = {{"email", "m@acme.example"}, {"language", "zh-Hans"}};  // (as the envelope's data says)
    json to = json::array({client(), {{"role", "manager"}, {"email", "m@acme.example"}, {"language", "zh-Hans"}}});
    auto result = messages->deliver(message("warn_expiry", to));
    INFO(result.error);
    REQUIRE(result.ok);
    auto got = server.received();
    REQUIRE(got.size() == 2);
    CHECK(got[0]["subject"] == "Expiring soon: nda (envelope 42)");
    CHECK(got[1]["subject"] == "即将过期：nda（信封 42）");
    CHECK(got[0]["message_id"] != got[1]["message_id"]);
}

TEST_CASE("messages: one-time codes by SMS and by email", "[messages]") {
    TempDir dir;
    MailServer server(dir.path() / "smtp");
    FakeApi gateway(dir.path(), "receiver", {"--status", "201"});
    auto config = config_of(dir, smtp(server.port()) + sms(gateway.url("/2010-04-01/Messages.json")) +
                                     "[messages]\nemail = \"mailer\"\nsms = \"texts\"\n");
    auto loaded = make_connectors(config, Services{});
    Daemon daemon;
    auto messages = make_messages_connector(config, loaded, daemon.services(), dir.path() / "outbox");
    json to = client();
    to["phone"] = "+15550123";
    daemon.roles["client"]["phone"] = "+15550123";  // (as the envelope's data says)
    json code = {{"code", "493817"}, {"expires_at", "2026-11-28T10:15:00Z"}};

    code["method"] = "sms";
    auto result = messages->deliver(message("send_code", to, code));
    INFO(result.error);
    REQUIRE(result.ok);
    auto requests = gateway.received();
    REQUIRE(requests.size() == 1);
    std::string const body = requests[0]["body"];
    CHECK_THAT(body, Catch::Contains("To=%2B15550123") && Catch::Contains("From=ACME") &&
                         Catch::Contains("Body=493817+is+your+verification+code+for+nda"));
    CHECK(requests[0]["headers"]["authorization"] == "Basic QUMxMjM6dG9r");  // AC123:tok
    // The first code comes with the signing request by email (the page the
    // code is entered on is behind the link).
    auto got = server.received();
    REQUIRE(got.size() == 1);
    CHECK(got[0]["subject"] == "Please sign: nda (envelope 42)");
    CHECK(got[0]["message_id"] == "<42_3_send_code.client.request_signature@acme.example>");
    CHECK(got[0]["text"].get<std::string>().find("493817") == std::string::npos);

    // A new code asked for on the page (key ….codeN), by email: the code only.
    code["method"] = "email";
    auto again = message("send_code", to, code);
    again.key += ".code1";
    result = messages->deliver(again);
    REQUIRE(result.ok);
    got = server.received();
    REQUIRE(got.size() == 2);
    CHECK(got[1]["subject"] == "Your verification code for nda (envelope 42)");
    CHECK_THAT(got[1]["text"].get<std::string>(), Catch::Contains("493817") && Catch::Contains("2026-11-28T10:15:00Z"));
    CHECK(gateway.received().size() == 1);
    for (auto const& line : daemon.log) CHECK(line.find("493817") == std::string::npos);

    // No phone for an SMS code: permanent.
    code["method"] = "sms";
    daemon.roles["client"].erase("phone");
    result = messages->deliver(message("send_code", client(), code));
    CHECK_FALSE(result.ok);
    CHECK(result.permanent);
    CHECK_THAT(result.error, Catch::Contains("no phone number"));
}

TEST_CASE("messages: the signed copy on envelope.completed", "[messages]") {
    TempDir dir;
    MailServer server(dir.path() / "smtp");
    Daemon daemon;
    engine::Delivery completed;
    completed.key = "lifecycle/42/completed";
    completed.instance = 42;
    completed.workflow = "nda";
    completed.kind = "webhook";
    completed.target = "messages";
    completed.data = {{"event", "envelope.completed"}, {"envelope", 42}, {"workflow", "nda"}, {"state", "completed"}};

    SECTION("attached when small enough") {
        auto config = config_of(dir, smtp(server.port()) + "[messages]\nemail = \"mailer\"\n");
        auto loaded = make_connectors(config, Services{});
        auto messages = make_messages_connector(config, loaded, daemon.services(), dir.path() / "outbox");
        auto result = messages->deliver(completed);
        INFO(result.error);
        REQUIRE(result.ok);
        auto got = server.received();
        REQUIRE(got.size() == 2);  // the witness has no email
        std::set<std::string> to;
        for (auto const& m : got) {
            to.insert(m["rcpt_tos"][0].get<std::string>());
            REQUIRE(m["attachments"].size() == 1);
            CHECK(m["attachments"][0]["filename"] == "nda-42.pdf");
            CHECK(m["attachments"][0]["size"] == daemon.pdf.size());
            CHECK(m["attachments"][0]["hex_head"] == "255044462d312e37");  // %PDF-1.7
            CHECK(m["text"].get<std::string>().find("https://") == std::string::npos);
        }
        CHECK(to == std::set<std::string>({"ada@client.example", "wang.fang@acme.example"}));
    }
    SECTION("a link above attach_limit") {
        auto config = config_of(dir, smtp(server.port()) + "[messages]\nemail = \"mailer\"\nattach_limit = 16\n");
        auto loaded = make_connectors(config, Services{});
        auto messages = make_messages_connector(config, loaded, daemon.services(), dir.path() / "outbox");
        auto result = messages->deliver(completed);
        REQUIRE(result.ok);
        auto got = server.received();
        REQUIRE(got.size() == 2);
        for (auto const& m : got) {
            CHECK(m["attachments"].empty());
            CHECK_THAT(m["text"].get<std::string>(), Catch::Contains("https://sign.example/download/42-"));
        }
    }
    SECTION("retried while the copy is not sealed") {
        daemon.ready = false;
        auto config = config_of(dir, smtp(server.port()) + "[messages]\nemail = \"mailer\"\n");
        auto loaded = make_connectors(config, Services{});
        auto messages = make_messages_connector(config, loaded, daemon.services(), dir.path() / "outbox");
        auto result = messages->deliver(completed);
        CHECK_FALSE(result.ok);
        CHECK_FALSE(result.permanent);
        CHECK_THAT(result.error, Catch::Contains("not ready: not sealed yet"));
        CHECK(server.received().empty());
    }
    SECTION("other lifecycle events are ignored") {
        auto config = config_of(dir, smtp(server.port()) + "[messages]\nemail = \"mailer\"\n");
        auto loaded = make_connectors(config, Services{});
        auto messages = make_messages_connector(config, loaded, daemon.services(), dir.path() / "outbox");
        completed.data["event"] = "envelope.sent";
        CHECK(messages->deliver(completed).ok);
        CHECK(server.received().empty());
    }
}

TEST_CASE("messages: without an email connector, .eml files in the outbox", "[messages]") {
    TempDir dir;
    auto config = config_of(dir, "");
    Loaded loaded;
    Daemon daemon;
    auto messages = make_messages_connector(config, loaded, daemon.services(), dir.path() / "var" / "outbox");
    auto result = messages->deliver(message("request_signature", client()));
    INFO(result.error);
    REQUIRE(result.ok);
    fs::path const eml = dir.path() / "var" / "outbox" / "42_3_request_signature.client.eml";
    REQUIRE(fs::exists(eml));
    CHECK(result.detail["sent"][0]["file"] == eml.string());
    REQUIRE(daemon.log.size() == 1);
    CHECK(daemon.log[0] == "signing link for client of envelope 42: " + eml.string());
    auto parsed = test::parse_eml(eml);
    CHECK(parsed["subject"] == "Please sign: nda (envelope 42)");
    CHECK(parsed["from"] == "signflow <signflow@localhost>");
    CHECK(parsed["to"] == "\"Ada <Lovelace> & Co\" <ada@client.example>");
    CHECK_THAT(parsed["text"].get<std::string>(), Catch::Contains("https://sign.example/sign/42-client-tok?x=1&y=2"));
    CHECK(parsed["defects"].empty());

    // A retry writes the same file again, and leaves nothing else behind.
    REQUIRE(messages->deliver(message("request_signature", client())).ok);
    CHECK(std::distance(fs::directory_iterator(eml.parent_path()), fs::directory_iterator()) == 1);

    // A signer with a phone only: a .sms.txt file.
    json witness = {{"role", "witness"}, {"phone", "+15550100"}};
    REQUIRE(messages->deliver(message("remind", witness)).ok);
    std::ifstream in(dir.path() / "var" / "outbox" / "42_3_remind.witness.sms.txt");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK_THAT(text, Catch::StartsWith("To: +15550100\n\nReminder: nda (envelope 42)") &&
                         Catch::Contains("https://sign.example/sign/42-witness-tok"));
}

TEST_CASE("messages: notify text from event data cannot make a button of a link", "[messages]") {
    TempDir dir;
    auto config = config_of(dir, "");
    Loaded loaded;
    Daemon daemon;
    auto messages = make_messages_connector(config, loaded, daemon.services(), dir.path() / "var" / "outbox");
    auto result = messages->deliver(
        message("notify", client(), {{"data", {{"text", "Your contract is ready.\nhttps://evil.example/login\nThanks"}}}}));
    INFO(result.error);
    REQUIRE(result.ok);
    fs::path eml;
    for (auto const& e : fs::directory_iterator(dir.path() / "var" / "outbox")) eml = e.path();
    auto parsed = test::parse_eml(eml);
    std::string const html = parsed["html"];
    CHECK(html.find("href=\"https://evil.example") == std::string::npos);
    CHECK_THAT(parsed["text"].get<std::string>(),
               Catch::Contains("Your contract is ready. https://evil.example/login Thanks"));
}

TEST_CASE("messages: the operator's templates replace the built-in wording", "[messages]") {
    TempDir dir;
    fs::create_directories(dir.path() / "wording");
    std::ofstream(dir.path() / "wording" / "request_signature.en.subject") << "Sign {{ workflow }} #{{ envelope }} now\n";
    std::ofstream(dir.path() / "wording" / "request_signature.en.html")
        << "<p>Dear {{ name }}, <a href=\"{{ link }}\">sign</a></p>";
    std::ofstream(dir.path() / "wording" / "notify.en.txt") << "Note: {{ text }} ({{ nope }})";
    auto config = config_of(dir, "[messages]\ntemplates = \"wording\"\noutbox = \"out\"\nfrom = \"Acme <no-reply@acme.example>\"\n");
    CHECK(config.messages.outbox == dir.path() / "out");
    Loaded loaded;
    Daemon daemon;
    auto messages = make_messages_connector(config, loaded, daemon.services(), dir.path() / "unused");
    REQUIRE(messages->deliver(message("request_signature", client())).ok);
    auto parsed = test::parse_eml(dir.path() / "out" / "42_3_request_signature.client.eml");
    CHECK(parsed["subject"] == "Sign nda #42 now");
    CHECK(parsed["from"] == "Acme <no-reply@acme.example>");
    CHECK(parsed["html"] == "<p>Dear Ada &lt;Lovelace&gt; &amp; Co, <a href=\"https://sign.example/sign/42-client-tok?x=1&amp;y=2\">sign</a></p>\r\n");
    CHECK_THAT(parsed["text"].get<std::string>(), Catch::Contains("Hello Ada"));  // the built-in text

    // A template naming an unknown variable: permanent, naming the file.
    auto result = messages->deliver(message("notify", client(), {{"data", "hi"}}));
    CHECK_FALSE(result.ok);
    CHECK(result.permanent);
    CHECK_THAT(result.error, Catch::Contains("notify.en.txt"));
}

TEST_CASE("messages: the [messages] table is checked", "[messages]") {
    TempDir dir;
    auto error = [&](std::string const& toml, bool make = false) {
        try {
            auto config = config_of(dir, toml);
            if (make) {
                auto loaded = make_connectors(config, Services{});
                make_messages_connector(config, loaded, MessageServices{}, dir.path() / "outbox");
            }
        } catch (ConfigError const& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK_THAT(error("[messages]\nemial = \"x\"\n"),
               Catch::Contains("signflow.toml:2:") && Catch::Contains("no setting `emial`"));
    CHECK_THAT(error("[messages]\nattach_limit = \"5 parsecs\"\n"), Catch::Contains("`attach_limit`"));
    CHECK(config_of(dir, "[messages]\nattach_limit = \"2MB\"\n").messages.attach_limit == 2 * 1024 * 1024);
    CHECK_THAT(error("[messages]\nlink_base = \"sign.example\"\n"), Catch::Contains("http:// or https://"));
    CHECK_THAT(error("[connectors.log1]\nkind = \"log\"\n[messages]\nemail = \"log1\"\n", true),
               Catch::Contains("signflow.toml:4:") && Catch::Contains("`log1` is not an email connector"));
}

TEST_CASE("messages: the examples' configuration makes its email and sms transports", "[messages]") {
    auto file = fs::path(SIGNFLOW_SOURCE_DIR) / "examples" / "signflow.toml";
    auto config = load_config(file, [](std::string const&) { return std::optional<std::string>("placeholder"); });
    Services services;
    services.archive = [](std::int64_t) { return ArchiveBundle{}; };
    auto loaded = make_connectors(config, services);
    CHECK(loaded.mail.count("sales"));
    CHECK(loaded.mail.count("account_team"));
    CHECK(loaded.sms.count("agent_sms"));
    CHECK(config.messages.email.empty());
    CHECK(config.messages.attach_limit == 5 * 1024 * 1024);
    TempDir dir;
    Daemon daemon;
    auto messages = make_messages_connector(config, loaded, daemon.services(), dir.path() / "outbox");
    REQUIRE(messages->deliver(message("request_signature", client())).ok);
    CHECK(fs::exists(dir.path() / "outbox" / "42_3_request_signature.client.eml"));
}

TEST_CASE("messages: a message queued before an operator corrected its signer is not sent, and makes no link",
          "[messages]") {
    TempDir dir;
    MailServer server(dir.path() / "smtp");
    auto config = config_of(dir, smtp(server.port()) + "[messages]\nemail = \"mailer\"\n");
    auto loaded = make_connectors(config, Services{});
    Daemon daemon;
    auto messages = make_messages_connector(config, loaded, daemon.services(), dir.path() / "outbox");
    // The row says the old address; the envelope's data, the new one.
    json old_to = client();
    old_to["email"] = "ada@clinet.example";
    for (auto const* kind : {"request_signature", "remind", "send_code"}) {
        auto result = messages->deliver(message(kind, old_to, {{"method", "email"}, {"code", "123456"}}));
        INFO(kind << ": " << result.error);
        REQUIRE(result.ok);
        CHECK(result.detail.dump().find("corrected") != std::string::npos);
    }
    CHECK(daemon.purposes.empty());
    CHECK(server.received().empty());
    // An operator's request (`again`) to the current address carries a
    // signing link even for a signer who verified (purpose "sign").
    auto result = messages->deliver(message("request_signature", client(), {{"again", true}}));
    REQUIRE(result.ok);
    CHECK(daemon.purposes == std::vector<std::string>{"sign"});
    CHECK(server.received().size() == 1);
}
