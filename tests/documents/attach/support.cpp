#include "support.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace attach_test {

fs::path scratch() {
    static fs::path const dir = [] {
        fs::path d = fs::temp_directory_path() / ("signflow-attach-" + std::to_string(::getpid()));
        fs::create_directories(d);
        // Removed at exit; SIGNFLOW_KEEP_SCRATCH=1 keeps the files to look at.
        if (!std::getenv("SIGNFLOW_KEEP_SCRATCH"))
            std::atexit([] {
                std::error_code ignored;
                fs::remove_all(fs::temp_directory_path() / ("signflow-attach-" + std::to_string(::getpid())), ignored);
            });
        return d;
    }();
    return dir;
}

std::string read_file(fs::path const& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void write_file(fs::path const& path, std::string const& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

Run run(std::string const& command) {
    Run result;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe) throw std::runtime_error("cannot run " + command);
    char buffer[4096];
    std::size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
    int status = ::pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

fs::path saved(std::string const& name, std::string const& bytes) {
    fs::path path = scratch() / name;
    write_file(path, bytes);
    return path;
}

namespace {

std::string python(std::string const& script, std::string const& output_name) {
    static int counter = 0;
    fs::path script_path = scratch() / ("make" + std::to_string(++counter) + ".py");
    fs::path out = scratch() / output_name;
    write_file(script_path, script);
    Run r = run("/usr/bin/python3 " + script_path.string() + " " + out.string());
    if (r.status != 0) throw std::runtime_error("python failed: " + r.output);
    return read_file(out);
}

}  // namespace

std::string reportlab_pdf(int pages, std::string const& text) {
    static int counter = 0;
    return python(
        "import sys\n"
        "from reportlab.pdfgen import canvas\n"
        "c = canvas.Canvas(sys.argv[1])\n"
        "for n in range(" + std::to_string(pages) + "):\n"
        "    c.drawString(72, 720, 'page %d' % (n + 1))\n"
        "    c.drawString(72, 700, " + "'''" + text + "'''" + ")\n"
        "    c.showPage()\n"
        "c.save()\n",
        "reportlab" + std::to_string(++counter) + ".pdf");
}

std::string png(int width, int height) {
    return python("import sys\nfrom PIL import Image\nImage.new('RGB', (" + std::to_string(width) + ", " +
                      std::to_string(height) + "), (200, 30, 30)).save(sys.argv[1], 'PNG')\n",
                  "image.png");
}

std::string jpeg(int width, int height) {
    return python("import sys\nfrom PIL import Image\nImage.new('RGB', (" + std::to_string(width) + ", " +
                      std::to_string(height) + "), (30, 30, 200)).save(sys.argv[1], 'JPEG')\n",
                  "image.jpg");
}

}  // namespace attach_test
