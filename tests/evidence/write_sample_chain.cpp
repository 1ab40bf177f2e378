// Writes the sample chain (sample_chain.cpp) as an exported audit chain to
// standard output: the fixture of audit_cli_test.sh.
#include "sample_chain.hpp"

#include <iostream>

int main() {
    std::cout << signflow::evidence::export_chain(signflow::evidence::testing::sample_chain()).dump(2) << "\n";
}
