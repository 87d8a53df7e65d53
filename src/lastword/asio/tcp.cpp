#include "lastword/asio/tcp.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <random>

#include "lastword/asio/impl/connection.hpp"
#include "lastword/wire/deflate.hpp"
#include "lastword/wire/handshake.hpp"

namespace lastword::io {

template class connection<boost::asio::ip::tcp::socket, boost::asio::steady_timer>;

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

constexpr std::uint32_t header_limit = 8192;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// True when the comma-separated header value lists `token`.
bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const auto comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

std::string leftover(boost::beast::flat_buffer& buffer) {
  const auto data = buffer.data();
  return std::string(static_cast<const char*>(data.data()), data.size());
}

}  // namespace

wire::mask_source random_masks() {
  return [rng = std::mt19937(std::random_device{}())]() mutable {
    const std::uint32_t v = rng();
    return wire::mask_key{static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
                          static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)};
  };
}

std::array<std::uint8_t, 16> random_nonce() {
  std::random_device rd;
  std::array<std::uint8_t, 16> n{};
  for (auto& b : n) b = static_cast<std::uint8_t>(rd());
  return n;
}

net::awaitable<upgraded> client_upgrade(tcp::socket& socket, std::string host, std::string target,
                                        std::string extensions, std::array<std::uint8_t, 16> nonce) {
  const std::string key = wire::client_key(nonce);
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, host);
  req.set(http::field::upgrade, "websocket");
  req.set(http::field::connection, "Upgrade");
  req.set(http::field::sec_websocket_key, key);
  req.set(http::field::sec_websocket_version, "13");
  if (!extensions.empty()) req.set(http::field::sec_websocket_extensions, extensions);
  co_await http::async_write(socket, req, net::use_awaitable);

  boost::beast::flat_buffer buffer;
  http::response_parser<http::empty_body> parser;
  parser.header_limit(header_limit);
  parser.skip(true);  // a 101 response has no body
  co_await http::async_read_header(socket, buffer, parser, net::use_awaitable);
  const auto& res = parser.get();
  // Section 4.1: the client checks the server's answer before anything else.
  if (res.result() != http::status::switching_protocols)
    throw handshake_error("server answered " + std::to_string(res.result_int()) + " instead of 101");
  if (!iequals(res[http::field::upgrade], "websocket")) throw handshake_error("no Upgrade: websocket in the response");
  if (!has_token(res[http::field::connection], "upgrade")) throw handshake_error("no Connection: Upgrade in the response");
  if (res[http::field::sec_websocket_accept] != wire::accept_key(key))
    throw handshake_error("Sec-WebSocket-Accept does not match the key");
  co_return upgraded{leftover(buffer), std::string(res[http::field::sec_websocket_extensions])};
}

net::awaitable<std::unique_ptr<tcp_connection>> client_handshake(tcp::socket socket, std::string host,
                                                                 std::string target, connection_options opts,
                                                                 wire::mask_source masks,
                                                                 std::array<std::uint8_t, 16> nonce) {
  opts.role = wire::role::client;
  const bool offer = opts.deflate.has_value();
  auto up = co_await client_upgrade(socket, std::move(host), std::move(target),
                                    offer ? "permessage-deflate; client_max_window_bits" : "", nonce);
  // Section 4.1: an extension the client did not offer fails the
  // connection; so do invalid permessage-deflate parameters (RFC 7692
  // section 5).
  bool bad = false;
  opts.deflate = wire::parse_deflate_response(up.extensions, bad);
  if (bad || (opts.deflate && !offer) || (!opts.deflate && !up.extensions.empty()))
    throw handshake_error("the server answered an extension that was not offered: " + up.extensions);
  auto conn = std::make_unique<tcp_connection>(std::move(socket), opts, std::move(masks));
  conn->start(std::move(up.leftover));
  co_return conn;
}

net::awaitable<std::unique_ptr<tcp_connection>> connect(std::string host, std::uint16_t port, std::string target,
                                                        connection_options opts) {
  const auto ex = co_await net::this_coro::executor;
  tcp::resolver resolver(ex);
  const auto endpoints = co_await resolver.async_resolve(host, std::to_string(port), net::use_awaitable);
  tcp::socket socket(ex);
  co_await net::async_connect(socket, endpoints, net::use_awaitable);
  co_return co_await client_handshake(std::move(socket), host + ":" + std::to_string(port), std::move(target), opts,
                                      random_masks(), random_nonce());
}

net::awaitable<upgraded> server_upgrade(tcp::socket& socket,
                                        std::function<std::string(std::string_view)> accept_extensions) {
  boost::beast::flat_buffer buffer;
  http::request_parser<http::empty_body> parser;
  parser.header_limit(header_limit);
  parser.body_limit(0);
  co_await http::async_read(socket, buffer, parser, net::use_awaitable);
  const auto& req = parser.get();

  auto refuse = [&](http::status status, std::string why) -> net::awaitable<void> {
    http::response<http::string_body> res{status, 11};
    res.set(http::field::connection, "close");
    if (status == http::status::upgrade_required) res.set(http::field::sec_websocket_version, "13");
    res.body() = why + "\n";
    res.prepare_payload();
    co_await http::async_write(socket, res, net::use_awaitable);
    throw handshake_error(why);
  };
  // Section 4.2.1: what a server requires of the client's request.
  if (req.method() != http::verb::get || req.version() < 11)
    co_await refuse(http::status::bad_request, "not an HTTP/1.1 GET");
  if (!iequals(req[http::field::upgrade], "websocket"))
    co_await refuse(http::status::bad_request, "no Upgrade: websocket");
  if (!has_token(req[http::field::connection], "upgrade"))
    co_await refuse(http::status::bad_request, "no Connection: Upgrade");
  if (req[http::field::sec_websocket_version] != "13")
    co_await refuse(http::status::upgrade_required, "Sec-WebSocket-Version must be 13");
  const std::string key(req[http::field::sec_websocket_key]);
  if (key.size() != 24) co_await refuse(http::status::bad_request, "Sec-WebSocket-Key is not 16 base64 bytes");

  http::response<http::empty_body> res{http::status::switching_protocols, 11};
  res.set(http::field::upgrade, "websocket");
  res.set(http::field::connection, "Upgrade");
  res.set(http::field::sec_websocket_accept, wire::accept_key(key));
  const std::string offered(req[http::field::sec_websocket_extensions]);
  if (accept_extensions) {
    const std::string accepted = accept_extensions(offered);
    if (!accepted.empty()) res.set(http::field::sec_websocket_extensions, accepted);
  }
  co_await http::async_write(socket, res, net::use_awaitable);
  co_return upgraded{leftover(buffer), offered};
}

net::awaitable<std::unique_ptr<tcp_connection>> server_handshake(tcp::socket socket, connection_options opts) {
  opts.role = wire::role::server;
  const bool accept = opts.deflate.has_value();
  opts.deflate.reset();
  auto up = co_await server_upgrade(socket, [&](std::string_view offered) -> std::string {
    if (!accept) return {};
    opts.deflate = wire::accept_deflate_offer(offered, false);
    return opts.deflate ? wire::deflate_header(*opts.deflate) : std::string();
  });
  auto conn = std::make_unique<tcp_connection>(std::move(socket), opts, wire::mask_source{});
  conn->start(std::move(up.leftover));
  co_return conn;
}

}  // namespace lastword::io
