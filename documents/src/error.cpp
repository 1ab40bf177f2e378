#include "signflow/documents/error.hpp"

#include "signflow/evidence/digest.hpp"

#include <podofo/podofo.h>

namespace signflow::documents {

// One definition of the hash for the whole project: the audit trail's.
std::string sha256_hex(std::string_view bytes) { return evidence::sha256_hex(bytes); }

void silence_library_logging() {
    PoDoFo::PdfError::EnableDebug(false);
    PoDoFo::PdfError::EnableLogging(false);
}

}  // namespace signflow::documents
