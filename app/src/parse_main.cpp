// signflow-parse: the daemon's reader of untrusted files (uploads, drawn
// signatures, PDFs to verify), one file per run, under resource limits it
// sets itself before reading a byte. `signflow serve` runs it beside itself;
// see documents/include/signflow/documents/isolated.hpp.
#include "signflow/documents/isolated.hpp"

int main(int argc, char** argv) { return signflow::documents::parse_child_main(argc, argv); }
