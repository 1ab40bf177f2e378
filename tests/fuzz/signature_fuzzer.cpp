// libFuzzer target: the signature header of an inbound webhook
// (Signflow-Signature: t=…,v1=…), which anyone who can reach the daemon
// sends. verify_signature must answer any bytes without crashing or
// throwing, and a header made by sign_payload for the same body must pass
// while one for another body must not.
#include "serve/webhook_signature.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string input(reinterpret_cast<char const*>(data), size);
    // The first line is the header, the rest the body.
    auto newline = input.find('\n');
    std::string header = input.substr(0, newline);
    std::string body = newline == std::string::npos ? std::string() : input.substr(newline + 1);
    auto check = signflow::app::verify_signature(&header, body, "whsec_fuzz", 1'700'000'000, 300);
    if (check.ok && check.reason.size()) std::abort();

    std::string good = signflow::app::sign_payload("whsec_fuzz", 1'700'000'000, body);
    if (!signflow::app::verify_signature(&good, body, "whsec_fuzz", 1'700'000'100, 300).ok) std::abort();
    if (signflow::app::verify_signature(&good, body + "x", "whsec_fuzz", 1'700'000'100, 300).ok) std::abort();
    return 0;
}
