// lastword/asio/transport.hpp: how a connection ends its transport, per
// stream type (found by argument-dependent lookup). A stream type brings
// its own pair beside its declaration (sim::stream's are in
// sim/stream.hpp), so asio/ depends on no stream but Asio's.
#pragma once

#include <boost/asio/ip/tcp.hpp>

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
