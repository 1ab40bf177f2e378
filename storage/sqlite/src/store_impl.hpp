// The SQLite store's insides, shared by its files (sqlite_store.cpp: the
// engine's state; sqlite_access.cpp: the daemon's access, batch and
// analytics stores): the connections, the reader pool and the row readers.
#pragma once
#include "signflow/storage/sqlite_store.hpp"

#include "sqlite.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace signflow::storage::detail {

bool in_memory(std::string const& path);
std::unique_ptr<sqlite::Connection> open_writer(std::string const& path, SqliteOptions const& options);
std::unique_ptr<sqlite::Connection> open_reader(std::string const& path, SqliteOptions const& options);

// Row readers, and their columns in the order they read them.
extern char const* const instance_columns;
engine::InstanceRecord instance_from(sqlite::Statement const& s);
engine::OutboxRecord outbox_from(sqlite::Statement const& s);
extern char const* const outbox_columns;
std::string select(char const* columns, char const* rest);

struct WriteStatements;  // sqlite_store.cpp: the commit path's statements

}  // namespace signflow::storage::detail

namespace signflow::storage {

struct SqliteStore::Impl {
    Impl(std::string p, SqliteOptions o);  // sqlite_store.cpp (where WriteStatements is complete)

    std::string path;
    SqliteOptions options;
    bool shared_connection;  // in-memory: the writer serves reads too

    std::mutex write_mutex;  // guards writer and write
    std::unique_ptr<sqlite::Connection> writer;
    std::unique_ptr<detail::WriteStatements> write;  // declared after writer: finalized before it closes

    std::mutex pool_mutex;  // guards idle_readers
    std::vector<std::unique_ptr<sqlite::Connection>> idle_readers;

    std::mutex member_mutex;  // guards self (the daemon of this file, as it announced itself)
    std::optional<Member> self;
    std::int64_t self_seen_ms = 0;

    // Runs one public operation; a failure leaves it as "signflow store
    // '<path>': <operation>: <cause>", the one place the path is added.
    template <class F>
    decltype(auto) guard(char const* operation, F&& f) {
        try {
            return f();
        } catch (std::exception const& e) {
            throw std::runtime_error("signflow store '" + path + "': " + operation + ": " + e.what());
        }
    }

    detail::WriteStatements& write_statements();  // sqlite_store.cpp
    ~Impl();

    // A read connection for the duration of one call: taken from the pool
    // (or opened) and given back on destruction. With an in-memory database,
    // the writer connection under its mutex.
    class Reader {
    public:
        explicit Reader(Impl& impl) : impl_(impl) {
            if (impl.shared_connection) {
                lock_ = std::unique_lock(impl.write_mutex);
                db_ = impl.writer.get();
                return;
            }
            {
                std::lock_guard lock(impl.pool_mutex);
                if (!impl.idle_readers.empty()) {
                    owned_ = std::move(impl.idle_readers.back());
                    impl.idle_readers.pop_back();
                }
            }
            if (!owned_) {
                try {
                    owned_ = detail::open_reader(impl.path, impl.options);
                } catch (std::exception const& e) {
                    throw std::runtime_error(std::string("opening a read connection: ") + e.what());
                }
            }
            db_ = owned_.get();
        }
        ~Reader() {
            if (!owned_) return;
            std::lock_guard lock(impl_.pool_mutex);
            if (impl_.idle_readers.size() < impl_.options.idle_readers) impl_.idle_readers.push_back(std::move(owned_));
        }
        Reader(Reader const&) = delete;
        Reader& operator=(Reader const&) = delete;

        // The connection's cached statement for `sql` (hold it in a
        // Resetting).
        sqlite::Statement& statement(std::string const& sql) { return db_->statement(sql); }

    private:
        Impl& impl_;
        std::unique_lock<std::mutex> lock_;
        std::unique_ptr<sqlite::Connection> owned_;
        sqlite::Connection* db_ = nullptr;
    };
};

}  // namespace signflow::storage
