#pragma once
// Where the signing page sends a signer after they typed a one-time code,
// decided for each answer on purpose (and tested: signing_answers_test).
#include "signflow/engine/outcome.hpp"

#include <string>

namespace signflow::app::signing {

// The query to add to the page's address: "" (the page as it now is: the
// next step, or the failed verification once no attempt is left),
// "?n=wrong&left=N", "?n=code_expired", "?n=code_used" or "?n=notnow".
std::string after_code(engine::Reply const& answer);

}  // namespace signflow::app::signing
