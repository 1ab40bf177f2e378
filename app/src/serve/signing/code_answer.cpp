#include "code_answer.hpp"

namespace signflow::app::signing {

std::string after_code(engine::Reply const& r) {
    using O = engine::Outcome;
    int left = r.attempts_left.value_or(0);
    switch (r.outcome) {
        case O::accepted: return "";
        // No attempt left: the verification has failed, and the page says so.
        case O::wrong_code: return left > 0 ? "?n=wrong&left=" + std::to_string(left) : "";
        // Only a new code helps: the notice sits above the button for one.
        case O::code_expired: return "?n=code_expired";
        case O::code_used: return "?n=code_used";
        // The envelope moved on (ended, or no longer waiting for this code).
        default: return "?n=notnow";
    }
}

}  // namespace signflow::app::signing
