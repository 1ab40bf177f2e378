// `signflow serve`: the daemon. Wires the store, the runtime and the HTTP
// server, runs them on one thread per core, and stops them in order on
// SIGTERM/SIGINT (SIGHUP reloads the rules).
#include "../commands.hpp"
#include "../files.hpp"
#include "analytics_api.hpp"
#include "api.hpp"
#include "api_util.hpp"
#include "auth.hpp"
#include "bulk_api.hpp"
#include "connector_wiring.hpp"
#include "dashboard.hpp"
#include "document_connector.hpp"
#include "inbound_webhooks.hpp"
#include "log_text.hpp"
#include "verify_api.hpp"
#include "signing/links.hpp"
#include "signing/routes.hpp"
#include "documents/pdf_catalog.hpp"

#include "signflow/base/allocator.hpp"
#include "signflow/base/text.hpp"
#include "signflow/documents/error.hpp"
#include "signflow/documents/isolated.hpp"
#include "signflow/engine/rules.hpp"
#include "signflow/engine/runtime.hpp"
#include "signflow/engine/time.hpp"
#include "signflow/engine/store_errors.hpp"
#include "signflow/storage/open.hpp"

#include "cluster.hpp"
#include "lead.hpp"
#include "signflow/stdlib/catalog.hpp"

#include <malloc.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

namespace signflow::app {
namespace fs = std::filesystem;
namespace asio = boost::asio;
using nlohmann::json;

namespace {

spdlog::level::level_enum level_of(engine::LogLevel l) {
    switch (l) {
    case engine::LogLevel::debug: return spdlog::level::debug;
    case engine::LogLevel::info: return spdlog::level::info;
    case engine::LogLevel::warn: return spdlog::level::warn;
    case engine::LogLevel::error: return spdlog::level::err;
    }
    return spdlog::level::info;
}

// One log line; in JSON mode a whole JSON object per line (the message is
// escaped by the JSON library, not by a pattern; bytes that are not UTF-8
// replaced); in text mode with its control characters escaped and its
// continuation lines indented (log_text.hpp): messages carry values from
// requests and events.
engine::LogFn make_log(bool as_json) {
    return [as_json](engine::LogLevel level, std::string const& message) {
        auto l = level_of(level);
        if (!spdlog::should_log(l)) return;
        if (as_json) {
            auto now = engine::Instant(std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch()));
            json line = {{"time", engine::utc_text(now)},
                         {"level", spdlog::level::to_string_view(l).data()},
                         {"message", message}};
            spdlog::log(l, "{}", line.dump(-1, ' ', false, json::error_handler_t::replace));
        } else {
            spdlog::log(l, "{}", log_lines(message));
        }
    };
}

std::pair<std::string, std::uint16_t> split_listen(std::string const& listen) {
    auto colon = listen.rfind(':');
    if (colon == std::string::npos) throw InputError("--listen wants HOST:PORT, e.g. 127.0.0.1:8080");
    std::string host = listen.substr(0, colon);
    if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    int port = 0;
    try {
        port = std::stoi(listen.substr(colon + 1));
    } catch (...) {
        port = -1;
    }
    if (port < 0 || port > 65535) throw InputError("--listen: `" + listen.substr(colon + 1) + "` is not a port");
    return {host, static_cast<std::uint16_t>(port)};
}

// A first event to send: each role read from the event gets an address.
json sample_event(ir::Workflow const& w) {
    json sample = json::object();
    for (auto const& role : w.roles) {
        auto const& e = role.source;
        if (e.kind != "path" || e.path.size() < 2 || e.path[0] != "event") continue;
        json* at = &sample;
        for (std::size_t i = 1; i + 1 < e.path.size(); ++i) at = &(*at)[e.path[i]];
        (*at)[e.path.back()] = role.name + "@example.com";
    }
    return sample;
}

// Which connector names a workflow uses (its actions routed to a named
// connector: invoke and archive targets, notify targets that are not roles).
std::vector<std::string> connectors_used(ir::Workflow const& w) {
    std::vector<std::string> out;
    auto visit = [&](std::vector<ir::Action> const& actions) {
        for (auto const& a : actions) {
            ir::Route route = ir::route_of(a, w);
            if (route.lane == ir::Lane::connector && std::find(out.begin(), out.end(), route.connector) == out.end())
                out.push_back(route.connector);
        }
    };
    for (auto const& s : w.states) visit(s.entry);
    for (auto const& t : w.transitions) visit(t.actions);
    for (auto const& r : w.reactions) visit(r.actions);
    return out;
}

// See run_serve: the path the daemon's files are named after.
// On PostgreSQL, as if the database were a file DBNAME.db in --data-dir: the
// first admin key is DBNAME-admin.key there.
fs::path daemon_files_anchor(ServeOptions const& o) {
    bool const postgres = storage::is_postgres(o.db);
    fs::path const name = postgres ? fs::path(storage::database_name(o.db) + ".db") : fs::path(o.db).filename();
    if (o.data_dir.empty()) return postgres ? name : fs::path(o.db);
    if (!fs::is_directory(o.data_dir)) throw InputError("--data-dir " + o.data_dir + " is not a folder");
    return fs::path(o.data_dir) / name;
}

// Renews the lead from now on; a daemon that lost it (another took over
// while it was paused or cut off) exits 75: a restart stands by.
void keep_lead(Lead& lead, engine::LogFn const& log) {
    lead.keep([log](std::string const& why) {
        log(engine::LogLevel::error, "this daemon no longer leads the database: " + why +
                                         "; exiting (a restart stands by)");
        spdlog::shutdown();
        std::_Exit(75);
    });
}

std::string this_host_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
    return name;
}

}  // namespace

int run_serve(ServeOptions const& o) {
    // Built with glibc's malloc (no mimalloc: sanitizers, SIGNFLOW_MIMALLOC=OFF):
    // filling and signing PDFs allocates ~256 KB per appearance stream
    // (zlib) and frees it at once; with glibc's defaults that memory goes
    // back to the kernel and faults in again each time, which halves
    // document throughput (docs/development.md). Keep it in the heap.
    if (base::allocator_is_glibc()) {
        ::mallopt(M_MMAP_THRESHOLD, 4 << 20);
        ::mallopt(M_TRIM_THRESHOLD, 64 << 20);
    }
    // PoDoFo writes its own warnings to the standard streams; our log says
    // what failed (DocumentError) instead.
    documents::silence_library_logging();
    spdlog::set_default_logger(spdlog::stdout_logger_mt("signflow"));
    spdlog::set_pattern(o.log_format == "json" ? "%v" : "%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ %v", spdlog::pattern_time_type::utc);
    spdlog::set_level(spdlog::level::from_str(o.log_level));
    spdlog::flush_on(spdlog::level::info);
    // Declared before everything that logs, so destroyed after it: the
    // runtime, the connectors and the server may log while they are
    // destroyed, and a logger shut down before them would be null.
    struct LogShutdown {
        ~LogShutdown() { spdlog::shutdown(); }
    } log_shutdown;
    engine::LogFn log = make_log(o.log_format == "json");
    log(engine::LogLevel::info, "memory allocator: " + base::allocator_name());

    fs::path rules = o.rules;
    if (rules.empty()) rules = fs::is_directory("rules") ? "rules" : "examples";
    if (!fs::is_directory(rules)) throw InputError("the rules folder " + rules.string() + " does not exist");
    fs::path config = o.config;
    if (config.empty() && fs::exists(rules / "signflow.toml")) config = rules / "signflow.toml";
    if (!engine::is_known_zone(o.timezone)) throw InputError("--timezone: unknown time zone `" + o.timezone + "`");
    auto [host, port] = split_listen(o.listen);
    if (!o.advertise.empty()) {
        auto colon = o.advertise.rfind(':');
        bool ok = colon != std::string::npos && colon > 0 && colon + 1 < o.advertise.size() &&
                  o.advertise.find('/') == std::string::npos;
        for (std::size_t i = colon == std::string::npos ? 0 : colon + 1; ok && i < o.advertise.size(); ++i)
            ok = o.advertise[i] >= '0' && o.advertise[i] <= '9';
        if (!ok) throw InputError("--advertise wants HOST:PORT (where the other daemons reach this one), e.g. 10.0.0.5:8080");
    }

    auto catalog = make_catalog(config.string());
    if (auto* pdf = dynamic_cast<PdfTemplateCatalog*>(catalog.get())) pdf->set_base(rules);
    std::vector<std::string> configured;
    std::optional<connectors::Config> settings;
    if (!config.empty()) {
        try {
            settings = connectors::load_config(config);
        } catch (connectors::ConfigError const& e) {
            throw InputError(e.what());
        }
        for (auto const& c : settings->connectors) configured.push_back(c.name);
        // Checked before anything starts: a mistake found once the runtime
        // runs would have to stop it first.
        try {
            check_sources(settings->sources);
        } catch (std::invalid_argument const& e) {
            throw InputError(e.what());
        }
    }
    TrustedProxies proxies;
    try {
        for (auto const& p : o.trusted_proxies) proxies.add(p);
    } catch (std::invalid_argument const& e) {
        throw InputError(e.what());
    }

    // Problems a person can fix (a bad path, a port in use) are reported as
    // such (exit 2), not as internal errors.
    std::unique_ptr<storage::DaemonStore> opened;
    try {
        opened = storage::open_store(o.db);
    } catch (std::exception const& e) {
        throw InputError(e.what());
    }
    storage::DaemonStore& store = *opened;
    // The daemon's files (its keys, the connector log, spooled uploads, the
    // messages folder) are named after this path: beside the SQLite file, or
    // in --data-dir (PostgreSQL: the current folder unless given), named
    // signflow-*. No file of that name is made.
    fs::path const files_anchor = daemon_files_anchor(o);
    engine::RuntimeOptions options;
    options.rules = rules;
    options.default_zone = o.timezone;
    options.connector_log = o.connector_log.empty()
                                ? (files_anchor.parent_path() / "connector-calls.jsonl").string()
                                : o.connector_log;
    options.shards = o.threads;
    options.watch = !o.no_watch;
    options.code_secret = load_code_secret(files_anchor);
    if (settings) options.subscriptions = webhook_subscriptions(*settings);
    // Signers get their signed copy from the built-in `messages` connector
    // (not from one the configuration defines under that name).
    bool own_messages = settings && std::any_of(settings->connectors.begin(), settings->connectors.end(),
                                                [](auto const& c) { return c.name == "messages"; });
    if (!own_messages) options.subscriptions.push_back(completion_copies());

    // Signing links are https://HOST/sign/TOKEN: HOST from [messages]
    // link_base, else this daemon's address once it listens.
    for (auto const& origin : o.frame_ancestors)
        if (auto problem = signing::origin_problem(origin); !problem.empty())
            throw InputError("--frame-ancestor " + origin + ": " + problem);
    signing::Links links(store, settings ? settings->messages.link_base : std::string(),
                         {.sign_days = o.sign_link_days,
                          .download_days = o.download_link_days,
                          .frame_origins = o.frame_ancestors});
    signing::PageImages page_images(fs::temp_directory_path());
    // Uploads, drawn signatures and PDFs to verify are read by signflow-parse
    // children with limits, never in this process (isolated.hpp).
    std::shared_ptr<documents::IsolatedParser const> files;
    try {
        files = std::make_shared<documents::IsolatedParser const>(
            documents::parse_helper_beside_this_program(), documents::ChildLimits{},
            [log](std::string const& m) { log(engine::LogLevel::warn, m); });
    } catch (documents::DocumentError const& e) {
        throw InputError(e.what());
    }
    auto file_work =
        std::make_shared<FileWork>(2, [log](std::string const& m) { log(engine::LogLevel::error, m); });

    asio::io_context io;
    engine::Runtime runtime(io, store, *catalog, options, log);
    runtime.on_fatal = [log](std::string const& why) {
        log(engine::LogLevel::error, "fatal: " + why + "; exiting so that a restart resumes from the store");
        spdlog::shutdown();
        std::_Exit(75);
    };
    if (!config.empty())
        runtime.accept_rule = [configured, config](ir::Workflow const& w) -> std::string {
            for (auto const& c : connectors_used(w))
                if (std::find(configured.begin(), configured.end(), c) == configured.end())
                    return "workflow `" + w.name + "` uses the connector `" + c + "`, which " + config.string() +
                           " does not define ([connectors." + c + "])";
            return {};
        };
    std::string key_warning;
    auto document_settings = load_document_settings(config, rules, files_anchor, key_warning);
    document_settings.files = files;
    std::string const certificate_fingerprint = document_settings.certificate_fingerprint;
    if (!key_warning.empty()) log(engine::LogLevel::warn, key_warning);
    runtime.add_connector(make_document_connector(store, std::move(document_settings)));
    add_configured_connectors(runtime, store, settings ? *settings : connectors::Config{}, files_anchor, log,
                              [&links, &runtime](std::int64_t id, std::string const& role,
                                                 std::string const& purpose) -> std::string {
                                  // No link (and no message) for a signer who can no longer
                                  // act, nor a second one for a signer who came to the page
                                  // through the link sent with their code.
                                  if (purpose == "sign" || purpose == "request") {
                                      auto view = runtime.signer(id, role);
                                      if (view.outcome != engine::Outcome::ok) return {};
                                      switch (view.value.step) {
                                          case engine::SignerStep::sign:
                                          case engine::SignerStep::verify:
                                          case engine::SignerStep::wait: break;
                                          case engine::SignerStep::unknown:
                                          case engine::SignerStep::ended:
                                          case engine::SignerStep::signed_:
                                          case engine::SignerStep::declined: return {};
                                      }
                                      if (purpose == "request" && view.value.verified) return {};
                                  }
                                  // A download link reads the signed copy; a copy link
                                  // (`cc`) reads the envelope; neither can act.
                                  std::string const kind = purpose == "download" || purpose == "copy" ? purpose : "sign";
                                  return links.mint(id, role, kind);
                              });
    // On PostgreSQL, one daemon leads the database; this one may stand by
    // (lead.hpp), forwarding what it is asked to the leader (cluster.hpp),
    // until it can lead. Migrated first: the lease is in the schema. The
    // runtime starts once this daemon leads (below, once it listens); on
    // SQLite at once.
    bool const postgres = storage::is_postgres(o.db);
    std::unique_ptr<Lead> lead;
    if (postgres) {
        try {
            store.migrate();
            check_shared_keys(store, options.code_secret, certificate_fingerprint, files_anchor);
        } catch (InputError const&) {
            throw;
        } catch (std::exception const& e) {
            throw InputError(e.what());
        }
        lead = std::make_unique<Lead>(store, std::chrono::milliseconds(o.lead_seconds * 1000), log);
    }
    // Leading at once (SQLite; PostgreSQL when nobody else leads, or the
    // leader was this machine's and is gone): the runtime starts before the
    // daemon listens, as one daemon alone always did.
    bool const led_at_once = !lead || lead->attempt();
    if (lead && led_at_once) keep_lead(*lead, log);
    if (led_at_once) {
        try {
            store.migrate();  // (runtime.start() would; the first key needs the schema first)
            ensure_first_key(store, files_anchor, log);
        } catch (std::exception const& e) {
            if (lead) lead->release();
            throw InputError(e.what());
        }
        try {
            runtime.start();
        } catch (std::exception const& e) {
            if (lead) lead->release();
            throw InputError(std::string("cannot start: ") + e.what());
        }
    }
    if (o.open)
        log(engine::LogLevel::warn, "--open: the API takes requests WITHOUT an API key: anyone who can reach " +
                                        o.listen + " can start, read and cancel envelopes. For development only.");

    http::Limits limits;
    limits.body_bytes = o.max_body;
    limits.max_connections = o.max_connections;
    limits.max_connections_per_client = o.max_connections_per_client;
    limits.on_error = [log](std::string_view what) { log(engine::LogLevel::warn, "http: " + std::string(what)); };
    ApiOptions api;
    // One limiter for every security event the daemon records.
    auto security_events = std::make_shared<SecurityEvents>(store, log);
    api.proxies = proxies;
    api.files = files;
    api.work = file_work;
    api.routes.push_back(make_verify_routes(*files, *file_work));
    api.forwarded_ignored = [security_events](std::string const& peer) {
        security_events->record("forwarded_header_ignored", "http", ip_of(peer),
                                {{"reason", "X-Forwarded-For or Forwarded from a peer that is not a --trusted-proxy"}});
    };
    if (!api.proxies.empty())
        limits.uncapped = [proxies = api.proxies](std::string const& address) { return proxies.trusts(address); };
    api.gate = make_api_gate(store, {.open = o.open, .log = log, .events = security_events});
    // Bulk uploads go to a file beside the database (not to memory, nor to
    // a /tmp that may be RAM), and only once the API key is checked: the gate
    // runs on the header, before a byte of the body is stored.
    limits.spool = {{"POST", "/v1/bulk/"}};
    limits.spool_dir = files_anchor.parent_path().empty() ? fs::path(".") : files_anchor.parent_path();
    limits.admit = [gate = api.gate](http::Request const& head) { return gate(head, nullptr); };
    api.routes.push_back(make_asset_routes());
    api.routes.push_back(make_dashboard_routes());
    api.routes.push_back(make_quota_routes(runtime));
    api.routes.push_back(signing::make_signing_routes(
        {runtime, store, links, page_images, *files, *file_work, [log](std::string const& m) { log(engine::LogLevel::warn, m); },
         security_events, options.code_secret}));
    api.routes.push_back(signing::make_signing_link_routes(runtime, links));
    api.routes.push_back(make_security_event_routes(store));
    try {
        api.routes.push_back(make_inbound_webhook_routes(
            runtime, security_events, settings ? settings->sources : std::vector<connectors::SourceSpec>{}));
    } catch (std::invalid_argument const& e) {
        throw InputError(e.what());
    }
    std::function<void()> join_bulk_feeders;
    api.keyed_routes.push_back(make_bulk_routes(runtime, store, &join_bulk_feeders));
    if (spdlog::should_log(spdlog::level::debug))
        api.log.debug = [log](std::string const& m) { log(engine::LogLevel::debug, m); };
    Analytics analytics = make_analytics(store);
    api.routes.push_back(analytics.routes);
    api.metrics = analytics.metrics;
    // The daemon's own member record (GET /v1/cluster): refreshed before
    // the route reads the members, so that it always shows this daemon as
    // it is now.
    std::function<void(bool)> announce;
    api.routes.push_back(make_cluster_routes(store, [&announce] {
        if (announce) announce(true);
    }));
    Front front(io, options.code_secret, make_api(runtime, store, std::move(api)), log);
    if (led_at_once) front.lead();
    std::unique_ptr<http::Server> listening;
    try {
        listening = std::make_unique<http::Server>(io, host, port, front.handler(), limits);
    } catch (std::exception const& e) {
        if (lead && led_at_once) lead->release();
        throw InputError("cannot listen on " + o.listen + ": " + e.what());
    }
    http::Server& server = *listening;
    server.start();

    std::string base = "http://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                       std::to_string(server.port());
    if (links.base().empty()) links.set_base(base);
    std::string const advertised = !o.advertise.empty()        ? "http://" + o.advertise
                                   : host == "0.0.0.0" || host == "::" ? "http://" + this_host_name() + ":" +
                                                                              std::to_string(server.port())
                                                                        : base;
    // While standing by: the rule versions this daemon would serve.
    auto probe_rules = [&] {
        engine::Rules probe(rules, *catalog, runtime.accept_rule);
        probe.reload(base::now_ms());
        return rule_versions(*probe.snapshot());
    };
    std::string standby_rules = led_at_once ? "{}" : probe_rules();
    storage::Member self;
    self.holder = lead ? lead->holder() : this_host_name() + ":" + std::to_string(::getpid());
    self.address = advertised;
    self.started_ms = base::now_ms();
    std::mutex announce_mutex;
    bool announce_failed = false;
    announce = [&](bool leading) {
        std::lock_guard lock(announce_mutex);
        try {
            storage::Member m = self;
            m.leading = leading && front.leading();
            m.rules = m.leading ? rule_versions(*runtime.snapshot()) : standby_rules;
            store.announce(m);
            if (!leading) {
                auto c = store.cluster();
                std::string address;
                for (auto const& member : c.members)
                    if (member.holder == c.leader && member.leading) address = member.address;
                front.leader_at(address);
            }
            announce_failed = false;
        } catch (std::exception const& e) {
            if (!announce_failed) log(engine::LogLevel::warn, std::string("cannot announce this daemon: ") + e.what());
            announce_failed = true;
        }
    };
    if (lead) {
        if (!led_at_once) announce(false);  // where the leader is, before the first request
        lead->set_beat(announce);
    }

    // Where to send a first event.
    auto say_serving = [&] {
        std::size_t loaded = 0;
        for (auto const& f : runtime.snapshot()->files)
            if (f.loaded) ++loaded;
        log(engine::LogLevel::info, "signflow serving " + std::to_string(loaded) + " workflows from " +
                                        rules.string() + " on " + base + " (database " + store.describe() +
                                        ", connector calls logged to " + options.connector_log + ")");
        auto snapshot = runtime.snapshot();
        if (!snapshot->starters.empty()) {
            auto first = snapshot->starters.find("form_submitted");
            if (first == snapshot->starters.end()) first = snapshot->starters.begin();
            // With the first admin key's file when it is there (auth.cpp writes
            // it beside the database), else a placeholder for the operator's key.
            fs::path key_file = first_key_path(files_anchor);
            std::string auth = o.open ? ""
                               : fs::exists(key_file)
                                   ? " -H \"Authorization: Bearer $(cat " + key_file.string() + ")\""
                                   : " -H 'Authorization: Bearer YOUR_API_KEY'";
            log(engine::LogLevel::info, "send a first event: curl -s -X POST " + base + "/v1/events/" +
                                            first->first + auth + " -H 'Content-Type: application/json' -d '" +
                                            sample_event(first->second.front()->ir()).dump() + "'");
        }
    };
    if (led_at_once) {
        announce(true);
        say_serving();
    }

    // `running`: the runtime started (at once on SQLite; on PostgreSQL once
    // this daemon leads). A stop before that only closes the listener.
    asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
    std::mutex phase_mutex;
    bool running = led_at_once;
    bool stopping = false;
    // (the lease, if this daemon took it meanwhile, is given back on the
    // thread that took it, below)
    auto stop_standing_by = [&] {
        if (lead) lead->cancel();
        server.stop([&] {
            signals.cancel();
            io.stop();
        });
    };

    std::function<void()> wait_signal;
    wait_signal = [&] {
        signals.async_wait([&](boost::system::error_code ec, int signal) {
            if (ec) return;
            if (signal == SIGHUP) {
                log(engine::LogLevel::info, "SIGHUP: reloading the rules");
                std::lock_guard phase(phase_mutex);
                if (running) {
                    runtime.reload();
                } else {
                    // Standing by: the versions it would serve, as announced.
                    auto now_served = probe_rules();
                    std::lock_guard lock(announce_mutex);
                    standby_rules = std::move(now_served);
                }
                wait_signal();
                return;
            }
            bool was_running = false;
            {
                std::lock_guard phase(phase_mutex);
                if (stopping) {
                    // A second SIGTERM or SIGINT: stop now. What was answered is
                    // on disk (answers follow their commits); what was not is
                    // retried by its sender.
                    log(engine::LogLevel::warn, std::string(signal == SIGINT ? "SIGINT" : "SIGTERM") +
                                                    " again: exiting now, without waiting for requests in flight");
                    spdlog::shutdown();
                    std::_Exit(128 + signal);
                }
                stopping = true;
                was_running = running;
            }
            wait_signal();  // a second signal ends it at once
            log(engine::LogLevel::info, "stopping: no new requests; finishing what is in flight "
                                        "(a second SIGTERM or SIGINT exits at once)");
            if (!was_running) return stop_standing_by();
            server.stop([&] {
                runtime.stop([&] {
                    if (lead) lead->release();
                    try {
                        store.leave(self.holder);
                    } catch (std::exception const&) {
                        // (its row is shown as gone once it is not refreshed)
                    }
                    log(engine::LogLevel::info, "stopped; everything answered is on disk");
                    signals.cancel();
                    io.stop();
                });
            });
        });
    };
    wait_signal();
    // Once the server and the shards are stopped, the io_context may run out
    // of work while Runtime::stop's thread is still draining the committer:
    // io.run() would then return, and this function would destroy the
    // runtime and the store under that thread (a crash on SIGTERM). The
    // guard keeps the threads in io.run() until `done` calls io.stop().
    auto work = asio::make_work_guard(io);

    unsigned n = o.threads ? o.threads : std::max(2u, std::thread::hardware_concurrency());
    // Standing by, this thread waits for the lead: another serves meanwhile.
    if (!led_at_once) n = std::max(n, 2u);
    std::vector<std::thread> threads;
    // A read of the store on a shard's thread while the database cannot be
    // reached (PostgreSQL restarting) throws out of its handler: that one
    // handler is lost (its request gets no answer, its sender retries), the
    // thread goes on running the others. Anything else still ends the
    // daemon, as before.
    auto run = [&] {
        for (;;) {
            try {
                io.run();
                return;
            } catch (engine::StoreUnavailable const& e) {
                log(engine::LogLevel::error, std::string("a request was dropped: ") + e.what());
            }
        }
    };
    for (unsigned i = 1; i < n; ++i) threads.emplace_back(run);
    // On PostgreSQL this thread waits for the lead (the others serve the
    // listener meanwhile, forwarding), then starts the runtime.
    std::string start_failure;
    if (!led_at_once) {
        bool const led = lead->take();
        if (led) {
            keep_lead(*lead, log);
            front.taking_over();  // (not to the former leader any more: 503 until this one serves)
        }
        std::unique_lock phase(phase_mutex);
        if (led && !stopping) {
            try {
                ensure_first_key(store, files_anchor, log);
                runtime.start();
                running = true;
            } catch (std::exception const& e) {
                start_failure = std::string("cannot start: ") + e.what();
                log(engine::LogLevel::error, start_failure);
            }
        }
        if (running) {
            front.lead();
            phase.unlock();
            announce(true);
            say_serving();
        } else {
            if (led) lead->release();  // a stop came first, or the start failed: the next daemon takes over at once
            if (!stopping) {
                stopping = true;
                phase.unlock();
                stop_standing_by();
            }
        }
    }
    run();
    for (auto& t : threads) t.join();
    if (lead) {
        lead.reset();  // its threads (renewals, announcements) end before what they use is destroyed
        if (!running) {
            try {
                store.leave(self.holder);  // (after the last announcement)
            } catch (std::exception const&) {
                // (its row is shown as gone once it is not refreshed)
            }
        }
    }
    if (!start_failure.empty()) throw InputError(start_failure);
    // Uploads being read and pages being drawn use the runtime and the
    // store: they end before either is destroyed.
    file_work->join();
    // Bulk feeders use the runtime: they end before it is destroyed.
    if (join_bulk_feeders) join_bulk_feeders();
    analytics.stop();
    return 0;  // the locals go in reverse order, the logger last (log_shutdown)
}

}  // namespace signflow::app
