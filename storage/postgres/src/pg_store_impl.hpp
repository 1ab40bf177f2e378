// The PostgreSQL store's insides, shared by its files (pg_store.cpp: the
// engine's state; pg_access.cpp: the daemon's access, batch and analytics
// stores): the connections, the reader pool and the row readers.
#pragma once
#include "signflow/storage/pg_store.hpp"

#include "signflow/engine/store_errors.hpp"

#include "pg.hpp"

#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace signflow::storage::pg_detail {

// Column lists, in the order the *_from functions read them.
extern char const* const instance_columns;
extern char const* const outbox_columns;
engine::InstanceRecord instance_from(pg::Result const& r, int row);
engine::OutboxRecord outbox_from(pg::Result const& r, int row);
engine::AuditRecord audit_from(pg::Result const& r, int row);
std::string select(char const* columns, char const* rest);

}  // namespace signflow::storage::pg_detail

namespace signflow::storage {

struct PgStore::Impl {
    Impl(std::string t, PgOptions o);

    std::string target;
    std::string described;  // without the password
    PgOptions options;

    std::mutex write_mutex;  // guards writer, writes_prepared and unknown_commit
    std::unique_ptr<pg::Connection> writer;
    bool writes_prepared = false;
    // Each commit records its token in commit_marks under this store's
    // writer id, in the same transaction. When the connection breaks after
    // a COMMIT may have been sent, the token is kept here and the next
    // commit (the committer retries the same batch) first asks whether it
    // landed.
    std::string const writer_id;
    std::string unknown_commit;
    int unknown_backend = 0;  // the server process that was running it
    std::string unknown_backend_start;
    // Set by fence(): every commit checks that this holder still leads.
    std::string fence_holder;
    std::int64_t fence_epoch = 0;

    std::mutex pool_mutex;  // guards idle_readers
    std::vector<std::unique_ptr<pg::Connection>> idle_readers;

    // The writer, reconnected when the server dropped it. Call under
    // write_mutex.
    pg::Connection& write_connection() {
        if (!writer || !writer->alive()) {
            writer.reset();
            writes_prepared = false;
            writer = std::make_unique<pg::Connection>(target);
        }
        return *writer;
    }

    // Runs one public operation; a failure leaves it as "signflow store
    // '<target>': <operation>: <cause>".
    // A connection that could not be made or broke becomes
    // engine::StoreUnavailable (engine/store_errors.hpp).
    template <class F>
    decltype(auto) guard(char const* operation, F&& f) {
        try {
            return f();
        } catch (pg::ConnectionLost const& e) {
            throw engine::StoreUnavailable("signflow store '" + described + "': " + operation + ": " + e.what());
        } catch (engine::StoreUnavailable const&) {
            throw;
        } catch (std::exception const& e) {
            throw std::runtime_error("signflow store '" + described + "': " + operation + ": " + e.what());
        }
    }

    // A read connection for the duration of one call, from the pool (or
    // opened); given back on destruction unless the server dropped it.
    class Reader {
    public:
        explicit Reader(Impl& impl) : impl_(impl) {
            {
                std::lock_guard lock(impl.pool_mutex);
                while (!impl.idle_readers.empty() && !owned_) {
                    owned_ = std::move(impl.idle_readers.back());
                    impl.idle_readers.pop_back();
                    if (!owned_->alive()) owned_.reset();
                }
            }
            if (!owned_) owned_ = std::make_unique<pg::Connection>(impl.target);
        }
        ~Reader() {
            if (!owned_->ok() || PQtransactionStatus(owned_->handle()) != PQTRANS_IDLE) return;
            std::lock_guard lock(impl_.pool_mutex);
            if (impl_.idle_readers.size() < impl_.options.idle_readers) impl_.idle_readers.push_back(std::move(owned_));
        }
        Reader(Reader const&) = delete;
        Reader& operator=(Reader const&) = delete;
        pg::Connection* operator->() { return owned_.get(); }

    private:
        Impl& impl_;
        std::unique_ptr<pg::Connection> owned_;
    };
};

}  // namespace signflow::storage
