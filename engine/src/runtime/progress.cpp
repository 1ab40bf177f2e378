#include "signflow/engine/progress.hpp"

#include <nlohmann/json.hpp>

#include <limits>

namespace signflow::engine {
using nlohmann::json;

std::string Progress::to_json() const {
    return json{{"trigger", trigger},
                {"entered_by", entered_by},
                {"signed", signed_mask},
                {"seq", seq},
                {"documents", documents},
                {"sent", sent}}
        .dump();
}

namespace {

// Reads the six members straight from the parser's events: a restart parses
// one progress per running envelope, and building a json value for each
// cost about a tenth of the restore. Members of the wrong type, values out
// of their field's range and anything nested are skipped (they keep their
// defaults, as before).
class ProgressReader : public nlohmann::json_sax<json> {
public:
    explicit ProgressReader(Progress& p) : p_(p) {}

    bool key(string_t& k) override {
        if (depth_ != 1) return true;
        member_ = k == "trigger"      ? Member::trigger
                  : k == "entered_by" ? Member::entered_by
                  : k == "signed"     ? Member::signed_mask
                  : k == "seq"        ? Member::seq
                  : k == "documents"  ? Member::documents
                  : k == "sent"       ? Member::sent
                                      : Member::other;
        return true;
    }
    bool number_integer(number_integer_t v) override {
        if (v < 0) {
            if (top() && member_ == Member::trigger && v >= std::numeric_limits<std::int16_t>::min())
                p_.trigger = static_cast<std::int16_t>(v);
            return true;
        }
        return number_unsigned(static_cast<number_unsigned_t>(v));
    }
    bool number_unsigned(number_unsigned_t v) override {
        if (!top()) return true;
        switch (member_) {
        case Member::trigger: set(p_.trigger, v); break;
        case Member::signed_mask: p_.signed_mask = v; break;
        case Member::seq: set(p_.seq, v); break;
        case Member::documents: set(p_.documents, v); break;
        default: break;
        }
        return true;
    }
    bool boolean(bool v) override {
        if (top() && member_ == Member::sent) p_.sent = v;
        return true;
    }
    bool string(string_t& v) override {
        if (top() && member_ == Member::entered_by) p_.entered_by = std::move(v);
        return true;
    }
    bool null() override { return true; }
    bool number_float(number_float_t, string_t const&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override {
        if (depth_ == 0) object_ = true;
        ++depth_;
        return true;
    }
    bool end_object() override {
        --depth_;
        return true;
    }
    bool start_array(std::size_t) override {
        ++depth_;
        return true;
    }
    bool end_array() override {
        --depth_;
        return true;
    }
    bool parse_error(std::size_t, std::string const&, nlohmann::detail::exception const&) override { return false; }

    bool object() const { return object_; }

private:
    enum class Member { other, trigger, entered_by, signed_mask, seq, documents, sent };
    bool top() const { return object_ && depth_ == 1; }
    template <class T>
    static void set(T& field, number_unsigned_t v) {
        if (v <= static_cast<number_unsigned_t>(std::numeric_limits<T>::max())) field = static_cast<T>(v);
    }

    Progress& p_;
    int depth_ = 0;
    bool object_ = false;
    Member member_ = Member::other;
};

}  // namespace

Progress Progress::parse(std::string_view text) {
    Progress p;
    ProgressReader reader(p);
    // Text that is not JSON, or not an object, keeps every default.
    if (!json::sax_parse(text, &reader) || !reader.object()) return Progress{};
    return p;
}

}  // namespace signflow::engine
