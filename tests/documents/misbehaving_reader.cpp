// A file reader that misbehaves on purpose, for tests/documents/isolated_test.cpp:
// signflow-parse's own main (the same limits, the same job line, the same
// answer), with a job that does what the file's name says instead of
// parsing it. The daemon test (tests/daemon/security_parser.py) puts it
// beside a copy of `signflow` as its signflow-parse.
//
//   crash.*      says so on stderr, then SIGSEGV, as PoDoFo did on some uploads
//   spin.*       burns CPU until RLIMIT_CPU stops it
//   sleep.*      waits without using CPU, past the parent's deadline
//   flood.*      writes answers without end (the parent's output cap)
//   allocate.*   asks for 4 GiB (the address-space limit: bad_alloc)
//   files.*      opens files until RLIMIT_NOFILE refuses; answers how many
//   lie.*        answers an upload with a wrong hash and size
//   html.*       answers that the upload is text/html
//   orphan.*     starts a grandchild that keeps the pipes open and sleeps,
//                names it on stderr, and exits
//   anything else: the real job (run_parse_job)
#include "signflow/documents/isolated.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

namespace {

using signflow::documents::ParseJob;

volatile unsigned long sink = 0;

std::string misbehave(ParseJob const& job, std::string_view bytes) {
    std::string const& name = job.filename;
    if (name.starts_with("crash")) {
        static char const said[] = "misbehaving reader: crashing on purpose\n";
        if (::write(2, said, sizeof said - 1) < 0) return {};
        std::raise(SIGSEGV);
    } else if (name.starts_with("spin")) {
        for (;;) sink = sink + 1;
    } else if (name.starts_with("sleep")) {
        for (;;) ::pause();
    } else if (name.starts_with("flood")) {
        std::string line(65536, 'x');
        for (;;)
            if (::write(1, line.data(), line.size()) < 0) return {};
    } else if (name.starts_with("allocate")) {
        try {
            std::vector<char> big(std::size_t{4} << 30, 1);
            sink = sink + static_cast<unsigned long>(big[big.size() / 2]);
            return "{\"error\":\"allocated 4 GiB\"}\n";
        } catch (std::bad_alloc const&) {
            return "{\"error\":\"bad_alloc\"}\n";
        }
    } else if (name.starts_with("lie")) {
        return "{\"upload\":{\"media_type\":\"application/pdf\",\"sha256\":\"" + std::string(64, '0') +
               "\",\"size\":1,\"pages\":1}}\n";
    } else if (name.starts_with("html")) {
        return "{\"upload\":{\"media_type\":\"text/html\",\"sha256\":\"\",\"size\":1}}\n";
    } else if (name.starts_with("orphan")) {
        pid_t grandchild = ::fork();
        if (grandchild == 0) {
            for (;;) ::pause();
        }
        std::string said = "orphan " + std::to_string(grandchild) + "\n";
        if (::write(2, said.data(), said.size()) < 0) return {};
        std::_Exit(0);
    } else if (name.starts_with("files")) {
        int opened = 0;
        while (::open("/dev/null", O_RDONLY) >= 0) ++opened;
        return "{\"error\":\"opened " + std::to_string(opened) + " files\"}\n";
    }
    return signflow::documents::run_parse_job(job, bytes);
}

}  // namespace

int main(int argc, char** argv) { return signflow::documents::parse_child_main(argc, argv, misbehave); }
