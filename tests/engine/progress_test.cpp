// An envelope's progress column: written by the shard, read back at restart
// and by the signer's view; text written before a member existed, or not
// JSON at all, keeps the defaults.
#include "signflow/engine/progress.hpp"

#include <catch2/catch.hpp>

using signflow::engine::Progress;

TEST_CASE("progress: what is written is read back", "[progress]") {
    Progress p;
    p.trigger = 3;
    p.entered_by = "signed(client)";
    p.signed_mask = (1ull << 40) | 5u;
    p.seq = 77;
    p.documents = 2;
    p.sent = true;
    Progress back = Progress::parse(p.to_json());
    CHECK(back.trigger == 3);
    CHECK(back.entered_by == "signed(client)");
    CHECK(back.signed_mask == ((1ull << 40) | 5u));
    CHECK(back.seq == 77);
    CHECK(back.documents == 2);
    CHECK(back.sent);

    p.trigger = -1;
    CHECK(Progress::parse(p.to_json()).trigger == -1);
}

TEST_CASE("progress: missing members, other text and wrong types keep the defaults", "[progress]") {
    Progress none = Progress::parse("");
    CHECK(none.trigger == -1);
    CHECK(none.seq == 1);
    CHECK(none.entered_by.empty());

    CHECK(Progress::parse("not json").seq == 1);
    CHECK(Progress::parse("[{\"seq\": 9}]").seq == 1);
    CHECK(Progress::parse("{\"seq\": 9").seq == 1);  // cut short: nothing of it is taken

    Progress some = Progress::parse(R"({"seq": 9, "later_member": {"seq": 4, "sent": true}, "documents": 70000,
                                        "sent": "yes", "entered_by": 5, "trigger": 2})");
    CHECK(some.seq == 9);          // the nested "seq" is not the envelope's
    CHECK_FALSE(some.sent);        // neither the nested one nor a string
    CHECK(some.documents == 0);    // out of its range
    CHECK(some.entered_by.empty());
    CHECK(some.trigger == 2);
}
