#pragma once
// A restart: the running envelopes and their pending timers, read from the
// store into the shards. The calling thread reads the rows; one thread per
// shard turns its rows into envelopes and armed timers, so reading and
// building overlap and the shards fill in parallel. The shards are not
// running yet (nothing is posted to them before the restore returns).
#include "shard.hpp"

#include "signflow/engine/rules.hpp"
#include "signflow/engine/runtime.hpp"
#include "signflow/engine/store.hpp"

#include <cstddef>
#include <memory>
#include <vector>

namespace signflow::engine::detail {

struct RestoreCount {
    std::size_t restored = 0;  // envelopes running again
    std::size_t lost = 0;      // envelopes whose version or state is not known: they stay where they are
    std::size_t timers = 0;    // timer rows read (a row of an envelope that ended is dropped)
};

RestoreCount restore_shards(Store& store, Rules const& rules, std::vector<std::unique_ptr<Shard>>& shards,
                            LogFn const& log);

}  // namespace signflow::engine::detail
