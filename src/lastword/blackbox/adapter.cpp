#include "lastword/blackbox/adapter.hpp"

#include <boost/json.hpp>

#include "lastword/wire/text.hpp"

namespace lastword::blackbox {
namespace json = boost::json;
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> from_hex(std::string_view h) {
  if (h.size() % 2) return std::nullopt;
  std::string out;
  out.reserve(h.size() / 2);
  for (std::size_t i = 0; i < h.size(); i += 2) {
    const int a = hex_digit(h[i]), b = hex_digit(h[i + 1]);
    if (a < 0 || b < 0) return std::nullopt;
    out.push_back(static_cast<char>(a * 16 + b));
  }
  return out;
}

const json::string* string_field(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v ? v->if_string() : nullptr;
}

}  // namespace

std::string steps_json(const std::vector<consumer_step>& steps) {
  json::array a;
  for (const auto& s : steps) {
    json::object o;
    switch (s.k) {
      case consumer_step::kind::recv:
        o["do"] = "recv";
        if (s.timeout) o["timeout"] = *s.timeout;
        break;
      case consumer_step::kind::sleep:
        o["do"] = "sleep";
        o["ms"] = s.ms;
        break;
      case consumer_step::kind::block:
        o["do"] = "block";
        o["ms"] = s.ms;
        break;
      case consumer_step::kind::close:
        o["do"] = "close";
        o["code"] = s.code;
        o["reason"] = s.reason;
        break;
      case consumer_step::kind::send:
        o["do"] = "send";
        o["type"] = s.text ? "text" : "binary";
        if (s.text) {
          o["data"] = s.data;
        } else {
          static const char* digits = "0123456789abcdef";
          std::string h;
          for (unsigned char c : s.data) {
            h += digits[c >> 4];
            h += digits[c & 15];
          }
          o["hex"] = h;
        }
        break;
    }
    a.push_back(std::move(o));
  }
  return json::serialize(a);
}

std::variant<adapter_result, std::string> parse_result_line(std::string_view line) {
  json::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec) return "not JSON (" + ec.message() + ")";
  const json::object* o = v.if_object();
  if (!o) return std::string("not a JSON object");
  const json::string* what = string_field(*o, "result");
  if (!what) return std::string("no \"result\" string");
  adapter_result r;
  if (*what == "message") {
    r.k = adapter_result::kind::message;
    const json::string* type = string_field(*o, "type");
    if (!type || (*type != "text" && *type != "binary")) return std::string("message without \"type\" text or binary");
    r.text = *type == "text";
    if (const json::string* d = string_field(*o, "data")) {
      r.data = std::string(*d);
    } else if (const json::string* h = string_field(*o, "hex")) {
      auto bytes = from_hex(*h);
      if (!bytes) return std::string("message \"hex\" is not hexadecimal");
      r.data = std::move(*bytes);
    } else {
      return std::string("message without \"data\" or \"hex\"");
    }
  } else if (*what == "closed") {
    r.k = adapter_result::kind::closed;
    const auto* code = o->if_contains("code");
    if (!code || !code->is_int64() || code->as_int64() < 0 || code->as_int64() > 65535)
      return std::string("closed without an integer \"code\" 0..65535");
    r.code = static_cast<std::uint16_t>(code->as_int64());
    if (const json::string* reason = string_field(*o, "reason")) r.reason = std::string(*reason);
    else if (o->contains("reason") && !o->at("reason").is_null()) return std::string("closed \"reason\" is not a string");
    const auto* clean = o->if_contains("clean");
    if (!clean || !clean->is_bool()) return std::string("closed without a boolean \"clean\"");
    r.clean = clean->as_bool();
    if (const auto* normal = o->if_contains("normal")) {
      if (!normal->is_bool()) return std::string("closed \"normal\" is not a boolean");
      r.normal = normal->as_bool();
    }
  } else if (*what == "timeout") {
    r.k = adapter_result::kind::timeout;
  } else if (*what == "sent") {
    r.k = adapter_result::kind::sent;
  } else if (*what == "error" || *what == "unsupported") {
    r.k = *what == "error" ? adapter_result::kind::error : adapter_result::kind::unsupported;
    if (const json::string* t = string_field(*o, "text")) r.error = std::string(*t);
  } else {
    return "unknown result \"" + std::string(*what) + "\"";
  }
  return r;
}

std::string describe(const adapter_result& r) {
  switch (r.k) {
    case adapter_result::kind::message:
      return std::string(r.text ? "message text " : "message binary ") + wire::quoted(r.data);
    case adapter_result::kind::closed:
      return "closed " + std::to_string(r.code) + (r.reason.empty() ? "" : " " + wire::quoted(r.reason)) +
             (r.clean ? " clean" : " not clean") + (r.normal ? (*r.normal ? " normal" : " error") : "");
    case adapter_result::kind::timeout:
      return "timeout";
    case adapter_result::kind::sent:
      return "sent";
    case adapter_result::kind::error:
      return "error " + wire::quoted(r.error);
    case adapter_result::kind::unsupported:
      return "unsupported " + wire::quoted(r.error);
  }
  return "?";
}

}  // namespace lastword::blackbox
