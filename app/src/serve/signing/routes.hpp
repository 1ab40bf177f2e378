#pragma once
// The signer's side of the daemon (docs/signing.md): GET /sign/{token} and
// the forms it posts, the page images, the document, uploads. Open to
// anyone holding a link (the API key gate leaves /sign/ alone); the token
// says who they are.
//
// And the operator's way to hand a signer a link by hand (in person, or
// when a message was lost): POST /v1/instances/{id}/signers/{role}/link,
// behind the API key gate.
#include "../api.hpp"
#include "../auth.hpp"
#include "../file_work.hpp"
#include "links.hpp"
#include "pages.hpp"

#include <functional>
#include <memory>
#include <string>

namespace signflow::app::signing {

struct PageServices {
    engine::Runtime& runtime;
    engine::Store& store;
    Links& links;
    PageImages& images;
    documents::IsolatedParser const& files;  // uploads are read in a child process (isolated.hpp)
    FileWork& work;                          // where uploads are read and pages drawn (file_work.hpp)
    std::function<void(std::string const&)> warn;
    std::shared_ptr<SecurityEvents> events;  // the daemon's one limiter of security events (auth.hpp)
    // The installation's one-time-code key (signflow-otp.key beside the
    // database): an embedded session's form token is keyed by a key derived
    // from it, so it outlives a restart and needs no secret of its own.
    std::string code_secret;
};

Routes make_signing_routes(PageServices services);
Routes make_signing_link_routes(engine::Runtime& runtime, Links& links);

}  // namespace signflow::app::signing
