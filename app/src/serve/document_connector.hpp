#pragma once
// The `documents` connector: where the engine's document work happens. The
// engine asks for it through the outbox like any other effect, so it is
// delivered at least once, retried with backoff and never holds a shard up:
//
//   fill  — the template (a stock one or a PDF beside the rules) filled with
//           the values and sections the machine evaluated: revision 1.
//   sign  — one signer's visible + PAdES signature, an incremental update of
//           the previous revision.
//   seal  — attachments embedded, the certificate of completion appended,
//           then the operator's seal over the whole document: the last
//           revision.
//
// Each writes its revision with Store::put_document BEFORE the delivery is
// recorded; a retry finds the revision there and answers with its hash, so
// a revision is made once. A revision that needs one not yet written (a seal
// whose last signature is still being applied) fails softly and is retried.
#include "signflow/documents/isolated.hpp"
#include "signflow/engine/connector.hpp"
#include "signflow/engine/store.hpp"

#include <filesystem>
#include <memory>
#include <string>

namespace signflow::documents {
struct Credentials;
}

namespace signflow::app {

struct DocumentSettings {
    std::filesystem::path rules;  // templates named by path are read relative to this
    std::string tsa_url;          // RFC 3161 timestamps on every signature when set
    std::shared_ptr<documents::Credentials const> credentials;
    std::string operator_name;    // who the seal says sealed it (the certificate's subject)
    std::string certificate_fingerprint;  // SHA-256 of the certificate's PEM, whitespace left out
    // Drawn signatures are decoded and scaled in a child process (isolated.hpp).
    std::shared_ptr<documents::IsolatedParser const> files;
};

std::unique_ptr<engine::Connector> make_document_connector(engine::Store& store, DocumentSettings settings);

// The signing key and certificate: from the configuration's [documents]
// table (key, cert, chain: PEM file paths; tsa_url), or else a self-signed
// pair for testing beside the database, made on first start. `warning` is
// set when the testing pair is used.
DocumentSettings load_document_settings(std::filesystem::path const& config, std::filesystem::path const& rules,
                                        std::filesystem::path const& db, std::string& warning);

// The one-time-code key: 32 random bytes as hex in `signflow-otp.key` beside
// the database (0600), made on first start. Not in the database itself: a
// copy of the database alone cannot test guesses against the code hashes.
std::string load_code_secret(std::filesystem::path const& db);

}  // namespace signflow::app
