// zip_stored: several documents in one ZIP, read back by Info-ZIP's unzip
// (the archive lists and tests clean, each file comes out byte for byte).
#include "form_support.hpp"

#include "signflow/documents/bundle.hpp"
#include "signflow/documents/error.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace signflow;

TEST_CASE("zip_stored: unzip lists, tests and extracts every file as given", "[bundle]") {
    std::string big(300000, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 7919) % 251);
    std::vector<documents::BundleFile> files = {
        {"order_and_terms-7-order.pdf", "%PDF-1.7 order"}, {"order_and_terms-7-terms.pdf", big}, {"élan-条款.pdf", ""}};
    std::string zip = documents::zip_stored(files);
    CHECK(zip == documents::zip_stored(files));  // the same files, the same bytes
    auto path = test::temp_file("bundle.zip", zip);
    auto tested = test::run_tool("unzip -t " + path + " 2>&1");
    INFO(tested.output);
    CHECK(tested.status == 0);
    CHECK(tested.output.find("No errors detected") != std::string::npos);
    // The UTF-8 name (flag bit 11), as Python's zipfile reads it (unzip
    // decodes names by the locale).
    auto names = test::run_tool("/usr/bin/python3 -c 'import sys, zipfile; "
                                "print(\"|\".join(zipfile.ZipFile(sys.argv[1]).namelist()))' " + path);
    CHECK(names.output == "order_and_terms-7-order.pdf|order_and_terms-7-terms.pdf|élan-条款.pdf\n");
    for (auto const& f : files) {
        if (f.name.front() == '\xc3') continue;  // (the UTF-8 name, above)
        auto one = test::run_tool("unzip -p " + path + " '" + f.name + "'");
        INFO(f.name);
        CHECK(one.status == 0);
        CHECK(one.output == f.bytes);
    }
    CHECK_THROWS_AS(documents::zip_stored({{"", "x"}}), documents::DocumentError);
}
