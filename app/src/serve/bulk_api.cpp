#include "bulk_api.hpp"

#include "api_util.hpp"
#include "csv_rows.hpp"

#include "signflow/base/text.hpp"
#include "signflow/engine/rules.hpp"
#include "signflow/engine/time.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

namespace signflow::app {
using nlohmann::json;

namespace {

enum class Format { csv, json_lines };

// Starts in flight at once: enough to fill the committer's group commits
// (RuntimeOptions::max_batch) while the previous one is written.
constexpr std::int64_t window = 4096;
// The batch record is written after this many answered rows (and at the end).
constexpr std::int64_t save_every = 500;
// Rejected rows kept with their reason; the count covers them all.
constexpr std::size_t kept_rejections = 1000;
// Uploads being sent at once; one more is answered 429.
constexpr std::size_t max_feeders = 4;

using base::now_ms;

std::string utc_of(std::int64_t ms) { return engine::utc_text(engine::Instant(std::chrono::milliseconds(ms))); }

// The rows of an upload, CSV or JSON lines, read one at a time.
class Rows {
public:
    Rows(std::istream& in, Format format) : in_(in), format_(format), csv_(in) {}

    // Reads the header of a CSV file. False (and `error`) when there is none
    // or it cannot be used: the whole upload is refused then.
    bool open(std::string& error) {
        if (format_ != Format::csv) return true;
        CsvRecord header;
        if (!csv_.next(header)) {
            error = "the file is empty; its first line must name the columns (e.g. contact.name,contact.email)";
            return false;
        }
        if (!header.error.empty()) {
            error = "line " + std::to_string(header.line) + " (the header): " + header.error;
            return false;
        }
        auto columns = CsvColumns::from_header(header.fields, error);
        if (!columns) {
            error = "line " + std::to_string(header.line) + " (the header): " + error;
            return false;
        }
        columns_ = std::move(*columns);
        return true;
    }

    // The next row: its line, and either its data (when `data` is not null)
    // or why it cannot be used (`error`). False at the end.
    bool next(std::int64_t& line, json* data, std::string& error) {
        error.clear();
        return format_ == Format::csv ? next_csv(line, data, error) : next_json(line, data, error);
    }

private:
    bool next_csv(std::int64_t& line, json* data, std::string& error) {
        for (;;) {
            if (!csv_.next(record_)) return false;
            line = record_.line;
            if (!record_.error.empty()) {
                error = record_.error;
                return true;
            }
            // A line of empty cells (",,,") is a blank line, as spreadsheets write them.
            if (std::all_of(record_.fields.begin(), record_.fields.end(), [](auto const& f) { return f.empty(); }))
                continue;
            if (data) columns_->to_json(record_, *data, error);
            return true;
        }
    }

    bool next_json(std::int64_t& line, json* data, std::string& error) {
        bool overlong = false;
        for (;;) {
            if (!read_line(in_, text_, overlong)) return false;
            line = ++line_;
            if (overlong) {
                error = "the line is longer than " + std::to_string(CsvReader::max_record_bytes) + " bytes";
                return true;
            }
            if (text_.find_first_not_of(" \t") == std::string::npos) continue;
            if (!data) return true;
            try {
                *data = json::parse(text_);
            } catch (json::parse_error const& e) {
                error = "not valid JSON at column " + std::to_string(e.byte) + ": " + e.what();
                return true;
            }
            if (!data->is_object()) error = std::string("a line must be a JSON object ({…}), not ") + data->type_name();
            return true;
        }
    }

    std::istream& in_;
    Format format_;
    CsvReader csv_;
    CsvRecord record_;
    std::optional<CsvColumns> columns_;
    std::string text_;
    std::int64_t line_ = 0;
};

// One upload being sent: counted, recorded, answered, then fed to the
// runtime row by row. Lives on its feeder thread and in the replies in flight.
struct Batch : std::enable_shared_from_this<Batch> {
    Batch(engine::Runtime& r, storage::BatchStore& s) : runtime(r), store(s) {}

    engine::Runtime& runtime;
    storage::BatchStore& store;
    std::string workflow;
    Format format = Format::csv;
    std::string key;  // the request's Idempotency-Key: rows get "bulk:KEY:LINE"
    std::unique_ptr<std::istream> input;
    http::Respond respond;

    std::mutex mutex;  // guards what follows
    std::condition_variable changed;
    storage::BatchRecord record;
    std::int64_t in_flight = 0;
    std::int64_t answered = 0;  // rows accepted or rejected
    std::int64_t replayed = 0;  // accepted rows a previous upload with the same key had started
    std::int64_t saved_at = 0;  // `answered` when the record was last written
    json rejections = json::array();

    void run() {
        try {
            feed();
        } catch (std::exception const& e) {
            // The store failed (the runtime's own commits then fail too and the
            // daemon restarts), or the file could not be read.
            std::lock_guard lock(mutex);
            if (respond) {
                respond(error(503, "the bulk send could not be recorded", {{"detail", e.what()}}));
                respond = nullptr;
            }
            record.status = "failed";
            record.note = record.note.empty() ? std::string(e.what()) : record.note + "; " + e.what();
        }
        if (record.id) {
            try {
                save(true);
            } catch (std::exception const&) {  // the store is failing; nothing more to do here
            }
        }
    }

    void feed() {
        std::string problem;
        std::int64_t total = 0;
        {
            Rows counting(*input, format);
            if (!counting.open(problem)) return answer(error(400, problem));
            std::int64_t line = 0;
            while (counting.next(line, nullptr, problem)) ++total;
        }
        if (total == 0) return answer(error(400, "the file has no rows"));
        if (input->bad()) throw std::runtime_error("the uploaded file could not be read");
        input->clear();
        input->seekg(0);
        Rows rows(*input, format);
        rows.open(problem);

        auto room = runtime.quota_room(workflow);
        record.workflow = workflow;
        record.status = "receiving";
        record.rows = total;
        record.created_ms = now_ms();
        record.rejections = "[]";
        if (room && room->envelopes < total)
            record.note = "the quota allows " + std::to_string(room->envelopes) + " of " + std::to_string(total) +
                          " rows (" + room->message + ")";
        record.id = store.create_batch(record);

        json accepted_body = {{"batch", record.id},
                              {"workflow", workflow},
                              {"rows", total},
                              {"status", "receiving"},
                              {"progress", "/v1/bulk/" + std::to_string(record.id)}};
        if (room) accepted_body["allowed"] = std::min(room->envelopes, total);
        if (!record.note.empty()) accepted_body["note"] = record.note;
        answer(reply_json(202, accepted_body));

        std::int64_t line = 0;
        json data;
        std::string why;
        while (rows.next(line, &data, why)) {
            if (!why.empty()) {
                reject(line, why);
            } else {
                std::unique_lock lock(mutex);
                if (!wait_for_runtime(lock, [&] { return in_flight < window; })) {
                    reject_locked(line, "the daemon stopped before this row was started; send the file again "
                                        "(with the same Idempotency-Key, rows already started are not started twice)");
                    break;
                }
                if (room) {
                    // Starts that fail for other reasons leave room: at the
                    // quota's edge, wait for what is in flight to know.
                    if (!wait_for_runtime(lock, [&] {
                            return record.accepted + in_flight < room->envelopes || in_flight == 0;
                        })) {
                        reject_locked(line, "the daemon stopped before this row was started");
                        break;
                    }
                    if (record.accepted >= room->envelopes) {
                        reject_locked(line, "over the quota: " + room->message + "; this batch could start " +
                                                std::to_string(room->envelopes) + " of its " +
                                                std::to_string(total) + " rows");
                        continue;
                    }
                }
                ++in_flight;
                lock.unlock();
                start(line, std::move(data));
            }
            save_if_due();
        }
        std::unique_lock lock(mutex);
        bool answered_all = wait_for_runtime(lock, [&] {
            if (answered - saved_at >= save_every) {
                lock.unlock();
                save(false);
                lock.lock();
            }
            return in_flight == 0;
        });
        if (!answered_all) {
            // A stopping runtime may never answer the starts it took last:
            // say so rather than wait forever (and hold the daemon's exit).
            record.note += std::string(record.note.empty() ? "" : "; ") + std::to_string(in_flight) +
                           " rows were in flight when the daemon stopped and may or may not have started";
            in_flight = 0;
        }
        record.status = "accepted";
        record.finished_ms = now_ms();
        if (replayed > 0)
            record.note += std::string(record.note.empty() ? "" : "; ") + std::to_string(replayed) +
                           " rows had been started by an earlier upload with the same Idempotency-Key";
    }

    // Waits until `ready` holds. False when the daemon is stopping and
    // nothing changed for 15 s: a stopping runtime may never answer the
    // starts it took last, and a feeder must not wait for them forever.
    template <class Ready>
    bool wait_for_runtime(std::unique_lock<std::mutex>& lock, Ready ready) {
        std::optional<std::chrono::steady_clock::time_point> stopped_at;
        while (!ready()) {
            changed.wait_for(lock, std::chrono::milliseconds(200));
            if (runtime.accepting()) {
                stopped_at.reset();
                continue;
            }
            auto now = std::chrono::steady_clock::now();
            if (!stopped_at) stopped_at = now;
            else if (now - *stopped_at > std::chrono::seconds(15)) return false;
        }
        return true;
    }

    void start(std::int64_t line, json data) {
        std::string row_key = key.empty() ? std::string() : "bulk:" + key + ":" + std::to_string(line);
        runtime.start_envelope(workflow, std::move(data), row_key, record.id,
                               [self = shared_from_this(), line](engine::Reply r) {
                                   std::lock_guard lock(self->mutex);
                                   --self->in_flight;
                                   if (r.outcome == engine::Outcome::accepted) {
                                       ++self->answered;
                                       ++self->record.accepted;
                                       if (r.replayed) ++self->replayed;
                                   } else {
                                       self->reject_locked(line, r.error.empty() ? r.body.dump() : r.error);
                                   }
                                   self->changed.notify_all();
                               });
    }

    void reject(std::int64_t line, std::string const& why) {
        std::lock_guard lock(mutex);
        reject_locked(line, why);
    }

    void reject_locked(std::int64_t line, std::string const& why) {
        ++answered;
        ++record.rejected;
        if (rejections.size() < kept_rejections) rejections.push_back({{"line", line}, {"error", why}});
    }

    void save_if_due() {
        {
            std::lock_guard lock(mutex);
            if (answered - saved_at < save_every) return;
        }
        save(false);
    }

    // Writes the batch record (outside the group commit; a few times per
    // thousand rows).
    void save(bool last) {
        storage::BatchRecord copy;
        {
            std::lock_guard lock(mutex);
            saved_at = answered;
            record.rejections = rejections.dump(-1, ' ', false, json::error_handler_t::replace);
            copy = record;
        }
        if (!last) copy.status = "receiving";
        store.update_batch(copy);
    }

    void answer(http::Response r) {
        std::lock_guard lock(mutex);
        if (!respond) return;
        respond(std::move(r));
        respond = nullptr;
    }
};

// The feeder threads: one per upload being sent, joined at the end.
class Feeders {
public:
    ~Feeders() { join(); }

    // Waits for every feeder (after Runtime::stop they end within seconds:
    // a stopping runtime refuses the remaining rows at once).
    void join() {
        std::lock_guard lock(mutex_);
        for (auto& f : running_)
            if (f.thread.joinable()) f.thread.join();
        running_.clear();
    }

    // False when max_feeders are busy.
    bool launch(std::shared_ptr<Batch> batch) {
        std::lock_guard lock(mutex_);
        for (auto it = running_.begin(); it != running_.end();) {
            if (*it->done) {
                it->thread.join();
                it = running_.erase(it);
            } else {
                ++it;
            }
        }
        if (running_.size() >= max_feeders) return false;
        auto done = std::make_shared<std::atomic<bool>>(false);
        running_.push_back({std::thread([batch = std::move(batch), done] {
                                batch->run();
                                *done = true;
                            }),
                            done});
        return true;
    }

private:
    struct Feeder {
        std::thread thread;
        std::shared_ptr<std::atomic<bool>> done;
    };
    std::mutex mutex_;
    std::vector<Feeder> running_;
};

std::optional<Format> format_of(http::Request const& req) {
    auto const* type = req.header("content-type");
    if (!type) return std::nullopt;
    std::string t = type->substr(0, type->find(';'));
    while (!t.empty() && t.back() == ' ') t.pop_back();
    for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (t == "text/csv") return Format::csv;
    if (t == "application/x-ndjson" || t == "application/jsonl" || t == "application/x-jsonlines")
        return Format::json_lines;
    return std::nullopt;
}

json progress(storage::BatchStore& store, storage::BatchRecord const& b) {
    json started = json::object();
    std::int64_t completed = 0, ended = 0;
    for (auto const& [status_state, n] : store.batch_progress(b.id)) {
        started[status_state] = n;
        if (status_state == "finished/completed") completed += n;
        if (status_state.rfind("running/", 0) != 0) ended += n;
    }
    json body = {{"batch", b.id},
                 {"workflow", b.workflow},
                 {"status", b.status},
                 {"rows", b.rows},
                 {"accepted", b.accepted},
                 {"rejected", b.rejected},
                 {"rejections", json::parse(b.rejections.empty() ? "[]" : b.rejections, nullptr, false)},
                 {"started", started},
                 {"completed", completed},
                 {"ended", ended},
                 {"created_at", utc_of(b.created_ms)}};
    if (b.finished_ms) body["finished_at"] = utc_of(b.finished_ms);
    if (!b.note.empty()) body["note"] = b.note;
    return body;
}

}  // namespace

KeyedRoutes make_bulk_routes(engine::Runtime& runtime, storage::BatchStore& store, std::function<void()>* join_feeders) {
    auto feeders = std::make_shared<Feeders>();
    if (join_feeders) *join_feeders = [feeders] { feeders->join(); };
    return [&runtime, &store, feeders](http::Request& req, http::Respond& respond, Caller const& caller) {
        auto parts = segments(req.path);
        if (parts.size() != 3 || parts[0] != "v1" || parts[1] != "bulk") return false;
        std::string what(parts[2]);
        if (req.method == "GET" || req.method == "HEAD") {
            std::int64_t id = 0;
            std::optional<storage::BatchRecord> b;
            if (parse_id(what, id)) b = store.find_batch(id);
            if (!b) {
                respond(error(404, "no bulk send with this id", {{"id", what}}));
                return true;
            }
            respond(reply_json(200, progress(store, *b)));
            return true;
        }
        if (req.method != "POST") {
            respond(method_not_allowed("POST, GET"));
            return true;
        }
        if (!runtime.snapshot()->current.count(what)) {
            respond(error(404, "no loaded workflow is named `" + what + "`"));
            return true;
        }
        auto format = format_of(req);
        if (!format) {
            auto const* type = req.header("content-type");
            respond(error(415, "send the rows as CSV (Content-Type: text/csv) or JSON lines "
                               "(Content-Type: application/x-ndjson)",
                          {{"content_type", type ? *type : std::string("(none)")}}));
            return true;
        }
        http::Response bad;
        auto batch = std::make_shared<Batch>(runtime, store);
        if (!idempotency_key(req, batch->key, bad)) {
            respond(std::move(bad));
            return true;
        }
        // The key belongs to the API key that sent it, as on every other
        // route: another caller's upload with the same key starts its own
        // rows, and never gets this one's envelopes back.
        if (!batch->key.empty())
            batch->key = (caller.key_id ? "k" + std::to_string(caller.key_id) : std::string("open")) + ":" + batch->key;
        if (!req.body_file.empty()) {
            // Opened now: the server deletes the file's name once we answer.
            auto file = std::make_unique<std::ifstream>(req.body_file, std::ios::binary);
            if (!*file) {
                respond(error(500, "the uploaded file could not be opened",
                              {{"detail", std::string(std::strerror(errno)) + ": " + req.body_file}}));
                return true;
            }
            batch->input = std::move(file);
        } else {
            batch->input = std::make_unique<std::istringstream>(std::move(req.body));
        }
        batch->workflow = what;
        batch->format = *format;
        batch->respond = respond;
        if (!feeders->launch(batch)) {
            batch->respond = nullptr;
            respond(error(429, "too many bulk sends at once; retry when one has been received",
                          {{"limit", max_feeders}}));
        }
        return true;
    };
}

}  // namespace signflow::app
