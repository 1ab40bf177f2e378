// The child's side of isolated parsing (isolated.hpp): one job on one file,
// its answer as a JSON line and a payload, and signflow-parse's main.
#include "isolate/job_line.hpp"
#include "signflow/documents/error.hpp"
#include "signflow/documents/isolated.hpp"

#include <nlohmann/json.hpp>

#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

namespace signflow::documents {

using json = nlohmann::json;

namespace {

// The child's address-space limit would stop a sanitizer's shadow memory
// (terabytes reserved at start) before main; those builds run without it.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool sanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool sanitized = true;
#else
constexpr bool sanitized = false;
#endif
#else
constexpr bool sanitized = false;
#endif

std::string answer(json head, std::string_view payload = {}) {
    if (!payload.empty()) head["payload"] = payload.size();
    std::string out = head.dump(-1, ' ', false, json::error_handler_t::replace);
    out += '\n';
    out.append(payload);
    return out;
}

// The answer's head (its first line) and its payload; DocumentError for a
// refusal, and for anything that is not an answer.
std::pair<json, std::string_view> split_answer(std::string_view text);

// A decoder's work, with a wrong JSON type in the answer (a string where a
// number belongs) a DocumentError like any other answer that is not one.
template <class F>
auto decoding(F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (json::exception const&) {
        throw DocumentError("the file's reader gave an answer that is not one");
    }
}

std::pair<json, std::string_view> split_answer(std::string_view text) {
    auto newline = text.find('\n');
    if (newline == std::string_view::npos) throw DocumentError("the file's reader gave no answer");
    json head = json::parse(text.substr(0, newline), nullptr, false);
    if (!head.is_object()) throw DocumentError("the file's reader gave an answer that is not one");
    if (auto e = head.find("error"); e != head.end())
        throw DocumentError(e->is_string() ? e->get<std::string>() : std::string("the file cannot be read"));
    std::string_view payload = text.substr(newline + 1);
    if (payload.size() != head.value("payload", std::size_t{0}))
        throw DocumentError("the file's reader gave an incomplete answer");
    return {std::move(head), payload};
}

json limits_json(ParseJob const& job) {
    return {{"max_bytes", job.upload.max_bytes},
            {"max_pages", job.upload.max_pages},
            {"max_image_pixels", job.upload.max_image_pixels},
            {"max_objects", job.upload.max_objects},
            {"max_decoded_bytes", job.upload.max_decoded_bytes},
            {"image_max_pixels", job.image.max_pixels},
            {"image_box_width", job.image.box_width},
            {"image_box_height", job.image.box_height}};
}

void limit(int resource, rlim_t value) {
    rlimit r{value, value};
    if (resource == RLIMIT_CPU) r.rlim_max = value + 1;  // SIGXCPU first, SIGKILL a second later
    // Never above what this process may have (a daemon started with lower
    // hard limits passes them on): lowering is always allowed.
    rlimit current{};
    if (::getrlimit(resource, &current) == 0 && current.rlim_max != RLIM_INFINITY) {
        r.rlim_max = std::min(r.rlim_max, current.rlim_max);
        r.rlim_cur = std::min(r.rlim_cur, r.rlim_max);
    }
    if (::setrlimit(resource, &r) != 0) {
        std::fprintf(stderr, "signflow-parse: setrlimit(%d): %s\n", resource, std::strerror(errno));
        std::_Exit(3);
    }
}

}  // namespace

char const* kind_name(ParseJob::Kind k) {
    switch (k) {
        case ParseJob::Kind::upload: return "upload";
        case ParseJob::Kind::signature_image: return "signature_image";
        case ParseJob::Kind::verify: return "verify";
    }
    return "upload";
}

bool address_space_limited() { return !sanitized; }

std::string job_line(ParseJob const& job) {
    json line = {{"kind", kind_name(job.kind)}, {"filename", job.filename}, {"limits", limits_json(job)}};
    return line.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

ParseJob parse_job_line(std::string_view line) {
    json j = json::parse(line, nullptr, false);
    if (!j.is_object()) throw DocumentError("signflow-parse: the job line is not JSON");
    ParseJob job;
    std::string kind = j.value("kind", "");
    if (kind == "upload")
        job.kind = ParseJob::Kind::upload;
    else if (kind == "signature_image")
        job.kind = ParseJob::Kind::signature_image;
    else if (kind == "verify")
        job.kind = ParseJob::Kind::verify;
    else
        throw DocumentError("signflow-parse: unknown job `" + kind + "`");
    job.filename = j.value("filename", "");
    json const l = j.value("limits", json::object());
    job.upload.max_bytes = l.value("max_bytes", job.upload.max_bytes);
    job.upload.max_pages = l.value("max_pages", job.upload.max_pages);
    job.upload.max_image_pixels = l.value("max_image_pixels", job.upload.max_image_pixels);
    job.upload.max_objects = l.value("max_objects", job.upload.max_objects);
    job.upload.max_decoded_bytes = l.value("max_decoded_bytes", job.upload.max_decoded_bytes);
    job.image.max_pixels = l.value("image_max_pixels", job.image.max_pixels);
    job.image.box_width = l.value("image_box_width", job.image.box_width);
    job.image.box_height = l.value("image_box_height", job.image.box_height);
    return job;
}

std::string run_parse_job(ParseJob const& job, std::string_view bytes) {
    try {
        switch (job.kind) {
            case ParseJob::Kind::upload: {
                UploadInfo info = inspect_upload(bytes, job.filename, job.upload);
                return answer({{"upload",
                                {{"media_type", info.media_type},
                                 {"sha256", info.sha256},
                                 {"size", info.size},
                                 {"pages", info.pages},
                                 {"width", info.width},
                                 {"height", info.height}}}});
            }
            case ParseJob::Kind::signature_image: {
                std::string png = fit_signature_image(bytes, job.image);
                if (png.empty()) return answer({{"error", "the drawn signature is empty"}});
                return answer({{"image", true}}, png);
            }
            case ParseJob::Kind::verify: {
                json verdicts = json::array();
                for (auto const& v : verify(bytes)) verdicts.push_back(verdict_json(v));
                return answer({{"verdicts", verdicts}});
            }
        }
        return answer({{"error", "unknown job"}});
    } catch (DocumentError const& e) {
        return answer({{"error", std::string(e.what()).empty() ? "the file cannot be read" : e.what()}});
    } catch (std::bad_alloc const&) {
        return answer({{"error", "the file needs more memory to read than it may use; it cannot be accepted"}});
    } catch (std::exception const& e) {
        return answer({{"error", std::string("the file cannot be read (") + e.what() + ")"}});
    }
}

UploadInfo upload_answer(std::string_view text) {
    return decoding([&] {
        auto [head, payload] = split_answer(text);
        json const u = head.value("upload", json());
        if (!u.is_object()) throw DocumentError("the file's reader gave an answer that is not one");
        UploadInfo info;
        info.media_type = u.value("media_type", "");
        info.sha256 = u.value("sha256", "");
        info.size = u.value("size", std::size_t{0});
        info.pages = u.value("pages", 0);
        info.width = u.value("width", 0);
        info.height = u.value("height", 0);
        return info;
    });
}

std::string signature_image_answer(std::string_view text) {
    return decoding([&] {
        auto [head, payload] = split_answer(text);
        if (!head.value("image", false) || payload.empty())
            throw DocumentError("the file's reader gave an answer that is not one");
        return std::string(payload);
    });
}

std::vector<SignatureVerdict> verify_answer(std::string_view text) {
    return decoding([&] {
        auto [head, payload] = split_answer(text);
        json const list = head.value("verdicts", json());
        if (!list.is_array()) throw DocumentError("the file's reader gave an answer that is not one");
        std::vector<SignatureVerdict> out;
        for (json const& v : list) out.push_back(verdict_from_json(v));
        return out;
    });
}

// signflow-parse --address-space BYTES --cpu SECONDS --files N
int parse_child_main(int argc, char** argv, JobRunner run) {
    rlim_t address_space = 0, cpu = 0, files = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string_view flag = argv[i];
        rlim_t value = std::strtoull(argv[i + 1], nullptr, 10);
        if (flag == "--address-space")
            address_space = value;
        else if (flag == "--cpu")
            cpu = value;
        else if (flag == "--files")
            files = value;
    }
    if (address_space == 0 || cpu == 0 || files == 0) {
        std::fputs(
            "signflow-parse: the daemon's file reader (run by `signflow serve`, not by hand)\n"
            "usage: signflow-parse --address-space BYTES --cpu SECONDS --files N < job\n",
            stderr);
        return 2;
    }
    // Limits first, before a byte of the file is read. No core files (a
    // crash on a hostile file must not leave its memory on disk), no files
    // written at all, no privileges gained through exec.
    limit(RLIMIT_CORE, 0);
    limit(RLIMIT_FSIZE, 0);
    limit(RLIMIT_CPU, cpu);
    limit(RLIMIT_NOFILE, files);
    if (address_space_limited()) limit(RLIMIT_AS, address_space);
    ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    silence_library_logging();

    std::string input;
    char buffer[65536];
    for (;;) {
        ssize_t n = ::read(0, buffer, sizeof buffer);
        if (n > 0) {
            input.append(buffer, static_cast<std::size_t>(n));
        } else if (n == 0) {
            break;
        } else if (errno != EINTR) {
            std::perror("signflow-parse: reading the job");
            return 3;
        }
    }
    std::string out;
    auto newline = input.find('\n');
    try {
        if (newline == std::string::npos) throw DocumentError("signflow-parse: no job line");
        ParseJob job = parse_job_line(std::string_view(input).substr(0, newline));
        out = run(job, std::string_view(input).substr(newline + 1));
    } catch (DocumentError const& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 2;
    }
    for (std::size_t done = 0; done < out.size();) {
        ssize_t n = ::write(1, out.data() + done, out.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 3;
        done += static_cast<std::size_t>(n);
    }
    // Straight out: no static destructors of the parsers' libraries, and no
    // leak report (PoDoFo leaks on some broken files; the upload fuzzer
    // tracks those in process).
    std::_Exit(0);
}

}  // namespace signflow::documents
