// lastword adapter for Boost.Beast's websocket client over real TCP, recv
// profile (clients/README.md). The only file in clients/ that includes
// Beast. usage: beast_client URL
//
// A recv with a timeout is reported as unsupported (the run is then not
// applicable), as the in-process `beast` implementation does: a Beast read
// that is cancelled leaves the stream unusable.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = net::ip::tcp;

namespace {

void print(const json::object& o) {
  const std::string line = json::serialize(o) + "\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

std::string hex(const std::string& s) {
  static const char* d = "0123456789abcdef";
  std::string o;
  for (unsigned char c : s) {
    o += d[c >> 4];
    o += d[c & 15];
  }
  return o;
}

json::object closed(websocket::stream<tcp::socket>& ws, beast::error_code ec) {
  json::object o{{"result", "closed"}};
  const auto& r = ws.reason();
  if (ec == websocket::error::closed) {
    // The closing handshake completed: Beast answered the peer's close.
    o["code"] = r.code == websocket::close_code::none ? 1005 : static_cast<int>(r.code);
    o["reason"] = std::string(r.reason.data(), r.reason.size());
    o["clean"] = true;
  } else if (ec == websocket::condition::protocol_violation) {
    o["code"] = 1002;
    o["reason"] = "";
    o["clean"] = false;
  } else {
    o["code"] = 1006;
    o["reason"] = "";
    o["clean"] = false;
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: beast_client ws://127.0.0.1:PORT/\n";
    return 2;
  }
  const std::string url = argv[1];
  const auto host_at = url.find("://") + 3;
  const auto colon = url.find(':', host_at);
  const auto slash = url.find('/', colon);
  const std::string host = url.substr(host_at, colon - host_at);
  const std::string port = url.substr(colon + 1, slash - colon - 1);
  const char* steps_env = std::getenv("LASTWORD_STEPS");
  json::value steps = json::parse(steps_env ? steps_env : "[]");
  const bool deflate = std::getenv("LASTWORD_DEFLATE") && std::string(std::getenv("LASTWORD_DEFLATE")) == "1";

  net::io_context ioc;
  tcp::resolver resolver(ioc);
  websocket::stream<tcp::socket> ws(ioc);
  beast::error_code ec;
  net::connect(ws.next_layer(), resolver.resolve(host, port), ec);
  if (ec) {
    print({{"result", "error"}, {"text", "connect: " + ec.message()}});
    return 0;
  }
  if (deflate) {
    websocket::permessage_deflate pmd;
    pmd.client_enable = true;
    ws.set_option(pmd);
  }
  ws.read_message_max(1 << 20);
  ws.handshake(host + ":" + port, "/", ec);
  if (ec) {
    print({{"result", "error"}, {"text", "handshake: " + ec.message()}});
    return 0;
  }
  bool ended = false;
  beast::error_code end_ec;
  for (const auto& v : steps.as_array()) {
    const auto& s = v.as_object();
    const std::string op(s.at("do").as_string());
    if (op == "sleep" || op == "block") {
      std::this_thread::sleep_for(std::chrono::milliseconds(s.at("ms").as_int64()));
    } else if (op == "recv") {
      if (s.contains("timeout")) {
        print({{"result", "unsupported"}, {"text", "a Beast read cannot be cancelled and used again"}});
        return 0;
      }
      if (ended) {
        print(closed(ws, end_ec));
        continue;
      }
      // Bounded: Boost 1.81's unbounded buffer allocates from a frame's
      // declared length (Beast issue 2879).
      beast::flat_buffer b(1 << 20);
      ws.read(b, ec);
      if (ec) {
        ended = true;
        end_ec = ec;
        print(closed(ws, ec));
        continue;
      }
      const std::string data = beast::buffers_to_string(b.data());
      if (ws.got_text()) print({{"result", "message"}, {"type", "text"}, {"data", data}});
      else print({{"result", "message"}, {"type", "binary"}, {"hex", hex(data)}});
    } else if (op == "send") {
      const bool text = s.at("type").as_string() == "text";
      std::string data;
      if (text) {
        data = std::string(s.at("data").as_string());
      } else {
        const std::string h(s.at("hex").as_string());
        for (std::size_t i = 0; i + 1 < h.size(); i += 2) data.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
      }
      ws.text(text);
      ws.write(net::buffer(data), ec);
      if (ec) print({{"result", "error"}, {"text", ec.message()}});
      else print({{"result", "sent"}});
    } else if (op == "close") {
      const std::string reason(s.at("reason").as_string());
      websocket::close_reason cr;
      cr.code = static_cast<std::uint16_t>(s.at("code").as_int64());
      cr.reason = reason;
      ws.close(cr, ec);
      // close() reads until the peer's close frame: the handshake completed
      // when it returned without error.
      json::object o = closed(ws, ec ? ec : beast::error_code(websocket::error::closed));
      print(o);
      ended = true;
      end_ec = ec ? ec : beast::error_code(websocket::error::closed);
    }
  }
  return 0;
}
