// lastword/asio/tcp.hpp: WebSocket over real TCP, with the HTTP/1.1 upgrade
// (RFC 6455 section 4), on Beast's HTTP parser.
//
// The handshake functions take a connected socket, perform the opening
// handshake, and return a started connection (bytes that arrived behind the
// HTTP message are handed to it). They throw std::system_error for I/O
// errors and handshake_error when the peer's HTTP is not a valid upgrade.
// For a multi-threaded io_context, give each socket a strand executor: the
// connection runs on its stream's executor.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "lastword/asio/connection.hpp"

namespace lastword::io {

using tcp_connection = connection<boost::asio::ip::tcp::socket, boost::asio::steady_timer>;

class handshake_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Unpredictable masking keys and nonces for real connections (section 5.3).
wire::mask_source random_masks();
std::array<std::uint8_t, 16> random_nonce();

// Client side of the opening handshake (section 4.1) on a connected socket.
boost::asio::awaitable<std::unique_ptr<tcp_connection>> client_handshake(
    boost::asio::ip::tcp::socket socket, std::string host, std::string target, connection_options opts,
    wire::mask_source masks, std::array<std::uint8_t, 16> nonce);

// Resolves and connects to host:port, then performs the client handshake.
boost::asio::awaitable<std::unique_ptr<tcp_connection>> connect(std::string host, std::uint16_t port,
                                                                std::string target, connection_options opts);

// Server side (section 4.2) on an accepted socket: answers 101 Switching
// Protocols to a valid upgrade, 400 (426 for another version) otherwise.
boost::asio::awaitable<std::unique_ptr<tcp_connection>> server_handshake(boost::asio::ip::tcp::socket socket,
                                                                        connection_options opts);

// The opening handshake alone, for a peer that writes its own frames (the
// black-box peer): the socket is left as it is after the HTTP messages.
// `leftover` holds the bytes that arrived behind them.
struct upgraded {
  std::string leftover;
  std::string extensions;  // server side: the client's offer; client side: the server's response
};

// Server side: `accept_extensions` turns the client's Sec-WebSocket-Extensions
// (possibly empty) into the response header value (empty: none, section 9.1).
boost::asio::awaitable<upgraded> server_upgrade(boost::asio::ip::tcp::socket& socket,
                                                std::function<std::string(std::string_view)> accept_extensions);

// Client side: offers `extensions` (empty: none).
boost::asio::awaitable<upgraded> client_upgrade(boost::asio::ip::tcp::socket& socket, std::string host,
                                                std::string target, std::string extensions,
                                                std::array<std::uint8_t, 16> nonce);

}  // namespace lastword::io
