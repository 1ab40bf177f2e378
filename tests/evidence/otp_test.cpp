// One-time codes: the RFCs' own test vectors, then the life of a code issued
// to a signer (verified, wrong, expired, locked, used) and what is stored.
#include "signflow/evidence/digest.hpp"
#include "signflow/evidence/otp.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace signflow::evidence;

TEST_CASE("HOTP: RFC 4226 Appendix D, all ten counters") {
    std::string const secret = "12345678901234567890";  // ASCII, as the RFC gives it
    char const* expected[] = {"755224", "287082", "359152", "969429", "338314",
                              "254676", "287922", "162583", "399871", "520489"};
    for (std::uint64_t counter = 0; counter < 10; ++counter) {
        INFO("counter " << counter);
        CHECK(hotp(secret, counter) == expected[counter]);
    }
}

TEST_CASE("TOTP: RFC 6238 Appendix B, every time and algorithm, 8 digits") {
    // The RFC's seeds differ by algorithm: 20, 32 and 64 bytes of the
    // repeated ASCII digits (its reference code, not the table's shorthand).
    std::string const seed20 = "12345678901234567890";
    std::string const seed32 = "12345678901234567890123456789012";
    std::string const seed64 = "1234567890123456789012345678901234567890123456789012345678901234";
    REQUIRE(seed32.size() == 32);
    REQUIRE(seed64.size() == 64);
    struct Row {
        std::int64_t time;
        char const* sha1;
        char const* sha256;
        char const* sha512;
    };
    Row const rows[] = {
        {59, "94287082", "46119246", "90693936"},
        {1111111109, "07081804", "68084774", "25091201"},
        {1111111111, "14050471", "67062674", "99943326"},
        {1234567890, "89005924", "91819424", "93441116"},
        {2000000000, "69279037", "90698825", "38618901"},
        {20000000000, "65353130", "77737706", "47863826"},
    };
    for (auto const& row : rows) {
        INFO("time " << row.time);
        CHECK(totp(seed20, row.time, 30, 8, HashAlgorithm::sha1) == row.sha1);
        CHECK(totp(seed32, row.time, 30, 8, HashAlgorithm::sha256) == row.sha256);
        CHECK(totp(seed64, row.time, 30, 8, HashAlgorithm::sha512) == row.sha512);
    }
}

TEST_CASE("TOTP: the step and T0 move the counter") {
    std::string const key = "12345678901234567890";
    CHECK(totp(key, 59 + 1000, 30, 8, HashAlgorithm::sha1, 1000) == "94287082");  // T = 1, as at 59 with T0 0
    CHECK(totp(key, 60, 60, 6) == hotp(key, 1));
    CHECK(totp(key, 0, 30, 6) == hotp(key, 0));
    CHECK_THROWS_AS(totp(key, 10, 0), std::invalid_argument);
    CHECK_THROWS_AS(totp(key, 10, 30, 8, HashAlgorithm::sha1, 11), std::invalid_argument);
}

TEST_CASE("HOTP: digits are 1 to 9, zero-padded") {
    std::string const key = "12345678901234567890";
    CHECK(hotp(key, 0, 8) == "84755224");
    CHECK(hotp(key, 1, 9).size() == 9);
    CHECK(hotp(key, 0, 1) == "4");
    CHECK(hotp("", 0) == "328482");  // an empty key is an HMAC key like any other (Python's hmac agrees)
    CHECK_THROWS_AS(hotp(key, 0, 0), std::invalid_argument);
    CHECK_THROWS_AS(hotp(key, 0, 10), std::invalid_argument);
}

namespace {
std::string const secret = "server-secret-from-the-config, 32+ bytes of it";
std::string const binding = "42/client";
constexpr std::int64_t now = 1'795'770'843'120;
}  // namespace

TEST_CASE("one-time code: issued, then verified once") {
    auto issued = issue_code(secret, binding, 0, now, CodePolicy{});
    CHECK(issued.code.size() == 6);
    CHECK(issued.code.find_first_not_of("0123456789") == std::string::npos);
    CHECK(issued.record.issued_ms == now);
    CHECK(issued.record.expires_ms == now + 10 * 60 * 1000);
    CHECK(issued.record.max_attempts == 3);
    CHECK(attempts_left(issued.record) == 3);

    auto record = issued.record;
    CHECK(check_code(record, secret, binding, issued.code, now + 1000) == CodeCheck::verified);
    CHECK(record.used);
    CHECK(record.attempts == 1);
    CHECK(attempts_left(record) == 0);
    CHECK(check_code(record, secret, binding, issued.code, now + 2000) == CodeCheck::used);
    CHECK(record.attempts == 1);  // a refused try is not counted
}

TEST_CASE("one-time code: the code and the stored hash are what docs/audit.md says") {
    // Computed with Python's hmac from the formulas in docs/audit.md:
    //   key  = HMAC-SHA256(secret, "signflow-otp-key/1\n42/client")
    //   code = HOTP-SHA256(key, 7, 6 digits)
    //   hash = HMAC-SHA256(secret, "signflow-otp-check/1\n42/client\n7\n" + code)
    auto issued = issue_code(secret, binding, 7, now, {});
    CHECK(issued.code == "488587");
    CHECK(issued.record.hash == "468266c1f5b385195bfcfb07325fda171951e950f2403b094d66abe177749942");
}

TEST_CASE("one-time code: the same counter and binding give the same code, others differ") {
    auto a = issue_code(secret, binding, 7, now, {});
    CHECK(issue_code(secret, binding, 7, now + 5, {}).code == a.code);
    std::set<std::string> codes;
    for (std::uint64_t counter = 0; counter < 20; ++counter) codes.insert(issue_code(secret, binding, counter, now, {}).code);
    CHECK(codes.size() == 20);
    CHECK(issue_code(secret, "42/manager", 7, now, {}).code != a.code);
    CHECK(issue_code("another secret", binding, 7, now, {}).code != a.code);
}

TEST_CASE("one-time code: wrong tries are counted, right on the last try still verifies") {
    auto issued = issue_code(secret, binding, 1, now, {});
    auto record = issued.record;
    auto wrong = issued.code == "000000" ? std::string("111111") : std::string("000000");
    CHECK(check_code(record, secret, binding, wrong, now) == CodeCheck::wrong);
    CHECK(check_code(record, secret, binding, "", now) == CodeCheck::wrong);
    CHECK(record.attempts == 2);
    CHECK(attempts_left(record) == 1);
    CHECK_FALSE(is_locked(record));
    CHECK(check_code(record, secret, binding, issued.code, now) == CodeCheck::verified);
}

TEST_CASE("one-time code: locked after max_attempts wrong tries, even for the right code") {
    CodePolicy policy;
    policy.max_attempts = 5;
    auto issued = issue_code(secret, binding, 2, now, policy);
    auto record = issued.record;
    for (int i = 0; i < 5; ++i) {
        INFO("try " << i + 1);
        CHECK(check_code(record, secret, binding, "12345678", now) == CodeCheck::wrong);
    }
    CHECK(is_locked(record));
    CHECK(attempts_left(record) == 0);
    CHECK(check_code(record, secret, binding, issued.code, now) == CodeCheck::locked);
    CHECK(record.attempts == 5);
    CHECK_FALSE(record.used);
}

TEST_CASE("one-time code: expired at expires_ms, not counted") {
    CodePolicy policy;
    policy.ttl_ms = 60'000;
    auto issued = issue_code(secret, binding, 3, now, policy);
    auto record = issued.record;
    CHECK(check_code(record, secret, binding, issued.code, now + 60'000) == CodeCheck::expired);
    CHECK(record.attempts == 0);
    CHECK(check_code(record, secret, binding, issued.code, now + 59'999) == CodeCheck::verified);
}

TEST_CASE("one-time code: a code for one signer does not verify for another, nor under another secret") {
    auto issued = issue_code(secret, binding, 4, now, {});
    auto record = issued.record;
    CHECK(check_code(record, secret, "42/manager", issued.code, now) == CodeCheck::wrong);
    CHECK(check_code(record, "another secret", binding, issued.code, now) == CodeCheck::wrong);
    CHECK(check_code(record, secret, "43/client", issued.code, now) == CodeCheck::wrong);
    CHECK(is_locked(record));
}

TEST_CASE("one-time code: the stored hash is a keyed hash, not the code nor its plain SHA-256") {
    auto issued = issue_code(secret, binding, 5, now, {});
    auto const& hash = issued.record.hash;
    CHECK(hash.size() == 64);
    CHECK(hash.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(hash.find(issued.code) == std::string::npos);
    CHECK(hash != sha256_hex(issued.code));
    CHECK(hash != sha256_hex(binding + issued.code));
    auto stored = to_json(issued.record).dump();
    CHECK(stored.find(issued.code) == std::string::npos);
    // The same code issued under another secret is stored differently: a
    // leaked database alone cannot test guesses.
    auto elsewhere = issue_code("another secret", binding, 5, now, {});
    CHECK(elsewhere.record.hash != hash);
}

TEST_CASE("one-time code: a record survives JSON, and bad JSON names the field") {
    auto issued = issue_code(secret, binding, 6, now, {});
    auto record = issued.record;
    CHECK(check_code(record, secret, binding, "999999999", now) == CodeCheck::wrong);
    auto back = code_record_from_json(nlohmann::json::parse(to_json(record).dump()));
    CHECK(back.hash == record.hash);
    CHECK(back.issued_ms == record.issued_ms);
    CHECK(back.expires_ms == record.expires_ms);
    CHECK(back.attempts == 1);
    CHECK(back.max_attempts == 3);
    CHECK(back.used == false);
    CHECK(back.counter == 6);
    CHECK(check_code(back, secret, binding, issued.code, now) == CodeCheck::verified);

    auto broken = to_json(record);
    broken.erase("expires_ms");
    CHECK_THROWS_WITH(code_record_from_json(broken), Catch::Contains("expires_ms: missing"));
    broken = to_json(record);
    broken["used"] = "no";
    CHECK_THROWS_WITH(code_record_from_json(broken), Catch::Contains("used"));
    broken = to_json(record);
    broken["counter"] = -1;
    CHECK_THROWS_WITH(code_record_from_json(broken), Catch::Contains("counter"));
    CHECK_THROWS_AS(code_record_from_json(nlohmann::json::array()), std::invalid_argument);
}

TEST_CASE("one-time code: policies out of range are refused") {
    CodePolicy policy;
    policy.digits = 4;
    CHECK_THROWS_AS(issue_code(secret, binding, 0, now, policy), std::invalid_argument);
    policy = {};
    policy.max_attempts = 0;
    CHECK_THROWS_AS(issue_code(secret, binding, 0, now, policy), std::invalid_argument);
    policy = {};
    policy.ttl_ms = 0;
    CHECK_THROWS_AS(issue_code(secret, binding, 0, now, policy), std::invalid_argument);
    CHECK_THROWS_AS(issue_code("", binding, 0, now, {}), std::invalid_argument);
    CHECK_THROWS_AS(issue_code(secret, "", 0, now, {}), std::invalid_argument);
    CHECK_THROWS_AS(issue_code(secret, "42/client\n1", 0, now, {}), std::invalid_argument);
    policy = {};
    policy.digits = 8;
    CHECK(issue_code(secret, binding, 0, now, policy).code.size() == 8);
}

TEST_CASE("CodeCheck names") {
    CHECK(to_string(CodeCheck::verified) == "verified");
    CHECK(to_string(CodeCheck::wrong) == "wrong");
    CHECK(to_string(CodeCheck::expired) == "expired");
    CHECK(to_string(CodeCheck::locked) == "locked");
    CHECK(to_string(CodeCheck::used) == "used");
}
