// `signflow send --bulk FILE WORKFLOW`: uploads a CSV or JSON-lines file to a
// running daemon (POST /v1/bulk/WORKFLOW), streaming it from disk, then
// follows the batch (GET /v1/bulk/ID) with a progress bar on stderr until
// every row is answered, and prints the summary and the rejected rows.
// Exit codes: 0 every row started, 1 some rows were rejected, 2 the upload
// failed (docs/cli.md).
//
// A small blocking HTTP/1.1 client over Beast lives here, in this one file:
// plain http to the daemon, a deadline on every operation.
#include "commands.hpp"
#include "files.hpp"

#include "signflow/net/url.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

namespace signflow::app {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using nlohmann::json;
using namespace std::chrono_literals;

struct SendOptions {
    std::string bulk;      // the file
    std::string workflow;
    std::string url = "http://127.0.0.1:8080";
    std::string key;       // empty: $SIGNFLOW_API_KEY
    std::string idempotency_key;
    bool quiet = false;
};

struct Endpoint {
    std::string host, port;
};

// The daemon's address. `send` streams a file over one kept-alive plain
// connection (its own Beast stream, for the progress bar): http only.
Endpoint endpoint_of(std::string const& text) {
    std::string error;
    auto url = net::parse_url(text.find("://") == std::string::npos ? "http://" + text : text, error);
    if (!url) throw InputError("--url: `" + text + "`: " + error);
    if (url->https())
        throw InputError("--url: `signflow send` speaks plain http to the daemon's own address, got " + text);
    return {url->host, url->port};
}

std::string percent_encode(std::string const& s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

// One keep-alive connection to the daemon; reconnects when it was closed.
class Client {
public:
    Client(Endpoint e, std::string key) : endpoint_(std::move(e)), key_(std::move(key)) {}

    // POST the file, written as it is read, with `progress(sent, total)`.
    bhttp::response<bhttp::string_body> upload(std::string const& target, std::filesystem::path const& file,
                                               std::string const& type, std::string const& idempotency_key,
                                               std::function<void(std::uint64_t, std::uint64_t)> const& progress) {
        bhttp::request<bhttp::file_body> req{bhttp::verb::post, target, 11};
        beast::error_code ec;
        req.body().open(file.c_str(), beast::file_mode::read, ec);
        if (ec) throw InputError(file.string() + ": " + ec.message());
        prepare(req);
        req.set(bhttp::field::content_type, type);
        if (!idempotency_key.empty()) req.set("Idempotency-Key", idempotency_key);
        req.prepare_payload();
        std::uint64_t total = req.body().size();
        connect();
        bhttp::serializer<true, bhttp::file_body> sr{req};
        std::uint64_t sent = 0;
        while (!sr.is_done()) {
            stream_->expires_after(60s);
            sent += bhttp::write_some(*stream_, sr, ec);
            if (ec) throw std::runtime_error("sending " + file.string() + ": " + ec.message());
            progress(std::min(sent, total), total);
        }
        return read();
    }

    bhttp::response<bhttp::string_body> get(std::string const& target) {
        for (int attempt = 0;; ++attempt) {
            try {
                connect();
                bhttp::request<bhttp::string_body> req{bhttp::verb::get, target, 11};
                prepare(req);
                stream_->expires_after(30s);
                bhttp::write(*stream_, req);
                return read();
            } catch (std::exception const&) {
                stream_.reset();  // the daemon closed the kept-alive connection: once more on a new one
                if (attempt > 0) throw;
            }
        }
    }

private:
    template <class Req>
    void prepare(Req& req) {
        req.set(bhttp::field::host, endpoint_.host + ":" + endpoint_.port);
        req.set(bhttp::field::user_agent, "signflow-send");
        if (!key_.empty()) req.set(bhttp::field::authorization, "Bearer " + key_);
    }

    void connect() {
        if (stream_) return;
        stream_ = std::make_unique<beast::tcp_stream>(io_);
        tcp::resolver resolver(io_);
        beast::error_code ec;
        auto found = resolver.resolve(endpoint_.host, endpoint_.port, ec);
        if (ec) throw std::runtime_error("cannot resolve " + endpoint_.host + ": " + ec.message());
        stream_->expires_after(10s);
        stream_->connect(found, ec);
        if (ec) {
            stream_.reset();
            throw std::runtime_error("cannot connect to " + endpoint_.host + ":" + endpoint_.port + ": " +
                                     ec.message() + " (is `signflow serve` running there?)");
        }
    }

    bhttp::response<bhttp::string_body> read() {
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        stream_->expires_after(120s);  // counting a large file's rows takes a moment
        beast::error_code ec;
        bhttp::read(*stream_, buffer_, parser, ec);
        if (ec) {
            stream_.reset();
            throw std::runtime_error("reading the daemon's answer: " + ec.message());
        }
        auto res = parser.release();
        if (!res.keep_alive()) stream_.reset();
        return res;
    }

    asio::io_context io_;
    Endpoint endpoint_;
    std::string key_;
    std::unique_ptr<beast::tcp_stream> stream_;
    beast::flat_buffer buffer_;
};

std::string error_of(bhttp::response<bhttp::string_body> const& res) {
    json body = json::parse(res.body(), nullptr, false);
    std::string what = body.is_object() && body.contains("error") && body["error"].is_string()
                           ? body["error"].get<std::string>()
                           : res.body().substr(0, 300);
    return "HTTP " + std::to_string(res.result_int()) + ": " + what;
}

// The progress on stderr: a bar redrawn in place on a terminal, a plain
// line every few seconds otherwise (a log, CI).
class Progress {
public:
    explicit Progress(bool quiet) : quiet_(quiet), tty_(::isatty(2) == 1) {}

    void show(std::string const& phase, std::int64_t done, std::int64_t total, std::string const& detail,
              bool last = false) {
        if (quiet_) return;
        auto now = std::chrono::steady_clock::now();
        if (tty_) {
            int width = 30;
            int filled = total > 0 ? static_cast<int>(width * std::min(done, total) / total) : 0;
            std::cerr << "\r" << phase << " [" << std::string(static_cast<std::size_t>(filled), '#')
                      << std::string(static_cast<std::size_t>(width - filled), '-') << "] " << done << "/" << total
                      << " " << detail << "\033[K" << (last ? "\n" : "") << std::flush;
            return;
        }
        if (!last && now - shown_ < 2s && phase == phase_) return;
        shown_ = now;
        phase_ = phase;
        std::cerr << phase << ": " << done << "/" << total << " " << detail << "\n";
    }

private:
    bool quiet_, tty_;
    std::chrono::steady_clock::time_point shown_{};
    std::string phase_;
};

int send_bulk(SendOptions const& o) {
    namespace fs = std::filesystem;
    fs::path file = o.bulk;
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) throw InputError(o.bulk + ": no such file");
    std::string ext = file.extension().string();
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string type = (ext == ".jsonl" || ext == ".ndjson") ? "application/x-ndjson" : "text/csv";
    std::string key = o.key;
    if (key.empty())
        if (char const* env = std::getenv("SIGNFLOW_API_KEY")) key = env;

    Client client(endpoint_of(o.url), key);
    Progress bar(o.quiet);
    bhttp::response<bhttp::string_body> res;
    try {
        res = client.upload("/v1/bulk/" + percent_encode(o.workflow), file, type, o.idempotency_key,
                            [&](std::uint64_t sent, std::uint64_t total) {
                                bar.show("uploading", static_cast<std::int64_t>(sent / 1024),
                                         static_cast<std::int64_t>(total / 1024), "KiB", sent == total);
                            });
    } catch (InputError const&) {
        throw;
    } catch (std::exception const& e) {
        std::cerr << "signflow send: " << e.what() << "\n";
        return exit_usage;
    }
    if (res.result_int() != 202) {
        std::cerr << "signflow send: the daemon refused the file: " << error_of(res) << "\n";
        return exit_usage;
    }
    json started = json::parse(res.body(), nullptr, false);
    if (!started.is_object() || !started.contains("batch")) {
        std::cerr << "signflow send: unexpected answer: " << res.body() << "\n";
        return exit_usage;
    }
    auto id = started["batch"].get<std::int64_t>();
    if (started.contains("note")) std::cerr << "note: " << started["note"].get<std::string>() << "\n";

    json batch;
    for (;;) {
        bhttp::response<bhttp::string_body> poll;
        try {
            poll = client.get("/v1/bulk/" + std::to_string(id));
        } catch (std::exception const& e) {
            std::cerr << "\nsignflow send: following batch " << id << ": " << e.what() << "\n";
            return exit_usage;
        }
        if (poll.result_int() != 200) {
            std::cerr << "\nsignflow send: following batch " << id << ": " << error_of(poll) << "\n";
            return exit_usage;
        }
        batch = json::parse(poll.body(), nullptr, false);
        if (!batch.is_object()) {
            std::cerr << "\nsignflow send: unexpected answer: " << poll.body() << "\n";
            return exit_usage;
        }
        auto rows = batch.value("rows", std::int64_t{0});
        auto accepted = batch.value("accepted", std::int64_t{0});
        auto rejected = batch.value("rejected", std::int64_t{0});
        std::string status = batch.value("status", "");
        bool done = status != "receiving";
        bar.show("rows", accepted + rejected, rows,
                 "(" + std::to_string(accepted) + " accepted, " + std::to_string(rejected) + " rejected)", done);
        if (done) break;
        std::this_thread::sleep_for(250ms);
    }

    auto rejected = batch.value("rejected", std::int64_t{0});
    std::cout << "batch " << id << " (" << batch.value("workflow", "") << "): " << batch.value("rows", 0)
              << " rows, " << batch.value("accepted", 0) << " accepted, " << rejected << " rejected; "
              << batch.value("status", "") << "\n";
    if (batch.contains("note")) std::cout << "note: " << batch["note"].get<std::string>() << "\n";
    auto const& list = batch["rejections"];
    if (list.is_array())
        for (auto const& r : list)
            std::cout << "  line " << r.value("line", 0) << ": " << r.value("error", "") << "\n";
    if (list.is_array() && rejected > static_cast<std::int64_t>(list.size()))
        std::cout << "  … and " << (rejected - static_cast<std::int64_t>(list.size()))
                  << " more rejected rows (the daemon keeps the first " << list.size() << ")\n";
    if (batch.value("status", "") == "failed") return exit_usage;
    return rejected > 0 ? exit_findings : exit_ok;
}

}  // namespace

void add_send_commands(CLI::App& app, Runner& run) {
    auto o = std::make_shared<SendOptions>();
    auto* send = app.add_subcommand("send", "Send envelopes through a running daemon (bulk: one per row of a file)");
    send->add_option("--bulk", o->bulk, "A CSV file (header row; dotted names nest: contact.email) or JSON lines "
                                        "(.jsonl/.ndjson): one envelope per row")
        ->required();
    send->add_option("workflow", o->workflow, "The workflow each row starts")->required();
    send->add_option("--url", o->url, "The daemon")->capture_default_str();
    send->add_option("--key", o->key, "An API key (default: $SIGNFLOW_API_KEY)");
    send->add_option("--idempotency-key", o->idempotency_key,
                     "Makes a retried upload safe: rows already started by an upload with this key start nothing");
    send->add_flag("-q,--quiet", o->quiet, "No progress on stderr");
    send->callback([o, &run] { run = [o] { return send_bulk(*o); }; });
}

}  // namespace signflow::app
