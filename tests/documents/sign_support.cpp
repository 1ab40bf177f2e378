#include "sign_support.hpp"

#include <podofo/podofo.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace signflow::documents::testing {

using namespace PoDoFo;

std::string two_page_pdf(std::string const& field) {
    PdfMemDocument document;
    PdfFont* font = document.CreateFont("Helvetica");
    font->SetFontSize(14);
    for (int n = 1; n <= 2; ++n) {
        PdfPage* page = document.CreatePage(PdfPage::CreateStandardPageSize(ePdfPageSize_A4));
        PdfPainter painter;
        painter.SetPage(page);
        painter.SetFont(font);
        painter.DrawText(72, 760, n == 1 ? "Mutual non-disclosure agreement" : "Signatures");
        painter.DrawText(72, 730, "Page " + std::to_string(n) + " of 2");
        painter.FinishPage();
        if (n == 2 && !field.empty()) {
            PdfAnnotation* widget = page->CreateAnnotation(ePdfAnnotation_Widget, PdfRect(300, 500, 220, 64));
            auto& dictionary = widget->GetObject()->GetDictionary();
            dictionary.AddKey(PdfName("FT"), PdfName("Sig"));
            dictionary.AddKey(PdfName("T"), PdfString(field));
            PdfAcroForm* form = document.GetAcroForm(ePdfCreateObject, ePdfAcroFormDefaultAppearance_None);
            auto& form_dictionary = form->GetObject()->GetDictionary();
            if (!form_dictionary.HasKey(PdfName("Fields"))) form_dictionary.AddKey(PdfName("Fields"), PdfArray());
            form_dictionary.GetKey(PdfName("Fields"))->GetArray().push_back(widget->GetObject()->Reference());
        }
    }
    PdfRefCountedBuffer buffer;
    PdfOutputDevice device(&buffer);
    document.Write(&device);
    return std::string(buffer.GetBuffer(), device.GetLength());
}

KeyPair const& test_keys(std::string const& who) {
    static std::mutex mutex;
    static std::map<std::string, KeyPair> made;
    std::lock_guard lock(mutex);
    auto it = made.find(who);
    if (it == made.end()) it = made.emplace(who, make_self_signed(who, 30)).first;
    return it->second;
}

ScratchDir::ScratchDir() {
    std::random_device random;
    path = std::filesystem::temp_directory_path() / ("signflow-sign-" + std::to_string(random()));
    std::filesystem::create_directories(path);
}

ScratchDir::~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
}

std::filesystem::path ScratchDir::write(std::string const& name, std::string const& bytes) const {
    auto file = path / name;
    std::ofstream out(file, std::ios::binary);
    out << bytes;
    return file;
}

std::string slurp(std::filesystem::path const& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string run(std::string const& command, int* status) {
    std::string out;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe) throw std::runtime_error("cannot run " + command);
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
    int rc = ::pclose(pipe);
    if (status) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    return out;
}

std::string pdfsig(std::filesystem::path const& file) { return run("pdfsig '" + file.string() + "'"); }

int count(std::string const& text, std::string const& needle) {
    int n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
    return n;
}

namespace {

constexpr char const* tsa_config = R"([ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
dir = .
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.crt
certs = $dir/tsa.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5.6
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
)";

// The TSA: each POST body goes to `openssl ts -reply`; the port it bound
// is written to ./port so the test can find it.
constexpr char const* tsa_server = R"(import http.server, subprocess, os, tempfile
class Tsa(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        query = self.rfile.read(int(self.headers['Content-Length']))
        fd, qname = tempfile.mkstemp(dir='.')
        os.write(fd, query); os.close(fd)
        rname = qname + '.tsr'
        done = subprocess.run(['openssl', 'ts', '-reply', '-config', 'tsa.cnf', '-queryfile', qname, '-out', rname],
                              capture_output=True)
        if done.returncode != 0:
            self.send_response(500); self.end_headers(); return
        reply = open(rname, 'rb').read()
        self.send_response(200)
        self.send_header('Content-Type', 'application/timestamp-reply')
        self.send_header('Content-Length', str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(('127.0.0.1', 0), Tsa)
with open('port.tmp', 'w') as f:
    f.write(str(server.server_address[1]))
os.rename('port.tmp', 'port')
server.serve_forever()
)";

}  // namespace

LocalTsa::LocalTsa() {
    auto const& dir = dir_.path;
    dir_.write("tsa.cnf", tsa_config);
    dir_.write("tsa.py", tsa_server);
    dir_.write("tsaserial", "01\n");
    int status = 0;
    auto made = run("cd '" + dir.string() +
                        "' && openssl req -x509 -newkey rsa:2048 -nodes -keyout tsa.key -out tsa.crt -days 30 "
                        "-subj '/CN=signflow test TSA' -addext 'extendedKeyUsage=critical,timeStamping' "
                        "-addext 'basicConstraints=CA:FALSE'",
                    &status);
    if (status != 0) throw std::runtime_error("cannot make the TSA certificate: " + made);
    pid_t child = ::fork();
    if (child == 0) {
        if (::chdir(dir.c_str()) != 0) ::_exit(127);
        ::execl("/usr/bin/python3", "python3", "tsa.py", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    pid_ = child;
    for (int tries = 0; tries < 200 && !std::filesystem::exists(dir / "port"); ++tries)
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    if (!std::filesystem::exists(dir / "port")) throw std::runtime_error("the local TSA did not start");
    url_ = "http://127.0.0.1:" + slurp(dir / "port") + "/tsa";
}

LocalTsa::~LocalTsa() {
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        ::waitpid(pid_, nullptr, 0);
    }
}

}  // namespace signflow::documents::testing
