#pragma once
// The one exception type of the documents library. A template that is not a
// PDF, a field a template lacks, a value of the wrong type for a field, a key
// that does not match its certificate: each is a DocumentError whose message
// says what is wrong and where (file, field, page), in words for the operator.
// PoDoFo's and OpenSSL's own errors are caught at the library's edge and
// rethrown as DocumentError, so callers need to know neither.
#include <stdexcept>
#include <string>

namespace signflow::documents {

struct DocumentError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The SHA-256 of bytes, as 64 lowercase hex digits: the document hash the
// audit trail records.
std::string sha256_hex(std::string_view bytes);

// PoDoFo prints its own warnings and debug lines to the standard streams; a
// daemon calls this once at start so that only its log speaks.
void silence_library_logging();

}  // namespace signflow::documents
