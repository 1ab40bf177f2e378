// The PostgreSQL store's record of its daemons (DaemonStore::announce,
// cluster) and of the keys they share (claim_key). Read and written on a
// reader connection: a daemon announcing itself never waits for a commit.
#include "pg_store_impl.hpp"

namespace signflow::storage {

using pg::Params;

void PgStore::announce(Member const& self) {
    impl_->guard("announce", [&] {
        Impl::Reader db(*impl_);
        Params q;
        q.all(self.holder, self.address, std::string(self.leading ? "t" : "f"), self.rules, self.started_ms);
        db->run(R"(INSERT INTO members (holder, address, leads, rules, started_ms, seen_at)
            VALUES ($1, $2, $3::boolean, $4, $5, now())
            ON CONFLICT (holder) DO UPDATE SET address = excluded.address, leads = excluded.leads,
              rules = excluded.rules, seen_at = now())",
                q);
        Params none;
        db->run("DELETE FROM members WHERE seen_at < now() - interval '1 hour'", none);
    });
}

void PgStore::leave(std::string const& holder) {
    impl_->guard("leave", [&] {
        Impl::Reader db(*impl_);
        Params q;
        q.all(holder);
        db->run("DELETE FROM members WHERE holder = $1", q);
    });
}

Cluster PgStore::cluster() {
    return impl_->guard("cluster", [&] {
        Impl::Reader db(*impl_);
        Cluster c;
        Params none;
        auto m = db->run(R"(SELECT holder, address, leads, rules, started_ms,
                (extract(epoch FROM now() - seen_at) * 1000)::bigint FROM members ORDER BY holder)",
                         none);
        for (int i = 0; i < m.rows(); ++i)
            c.members.push_back({.holder = m.text(i, 0),
                                 .address = m.text(i, 1),
                                 .leading = m.text(i, 2) == "t",
                                 .rules = m.text(i, 3),
                                 .started_ms = m.integer(i, 4),
                                 .seen_ms_ago = m.integer(i, 5)});
        auto l = db->run(R"(SELECT holder, epoch, (extract(epoch FROM expires_at - now()) * 1000)::bigint
                FROM leases WHERE name = 'daemon')",
                         none);
        if (l.rows() == 1) {
            c.leader = l.text(0, 0);
            c.epoch = l.integer(0, 1);
            c.lease_left_ms = l.integer(0, 2);
        }
        return c;
    });
}

std::string PgStore::claim_key(std::string const& name, std::string const& fingerprint) {
    return impl_->guard("claim_key", [&] {
        Impl::Reader db(*impl_);
        Params q;
        q.all(name, fingerprint);
        db->run("INSERT INTO cluster_keys (name, fingerprint) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", q);
        Params n;
        n.all(name);
        return db->run("SELECT fingerprint FROM cluster_keys WHERE name = $1", n).text(0, 0);
    });
}

}  // namespace signflow::storage
