// lastword/asio/transport.hpp: how a connection ends its transport, per
// stream type (found by argument-dependent lookup).
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include "lastword/sim/stream.hpp"

namespace lastword::sim {
inline void transport_shutdown_output(stream& s) { s.shutdown_output(); }
inline void transport_close(stream& s) { s.close(); }
}  // namespace lastword::sim

namespace lastword::io {
inline void transport_shutdown_output(boost::asio::ip::tcp::socket& s) {
  boost::system::error_code ec;
  s.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
}
inline void transport_close(boost::asio::ip::tcp::socket& s) {
  boost::system::error_code ec;
  s.close(ec);
}
}  // namespace lastword::io
