// lastword/protocol/receive_check.hpp: the receive-path check shared by the
// protocol fuzzer, its corpus replay, and the tests that prove it can fail.
//
// A receive case is a byte stream as received by one endpoint, a role, size
// limits, a read split, and whether the application called close() first.
// check_receive() runs it on a receiver (the reference protocol, or a
// planted-bug variant) and holds the result to an oracle built only from the
// frame decoder and RFC 6455's rules:
//   - events are exactly the decoded frames up to the end of input (the
//     peer's close frame, or the frame that fails the connection), data
//     frames in closing included (SPEC D at the protocol level);
//   - any read split gives the same events and the same bytes sent;
//   - what we send is exactly: our close (if the application closed first),
//     a pong per ping received while open, then the echo of the peer's close
//     or the close that fails the connection (SPEC W);
//   - the close status names the right code and handshake (SPEC C).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "lastword/protocol/connection.hpp"

namespace lastword::protocol {

// The receive path of a Sans-I/O connection, as the check drives it.
class receiver {
 public:
  virtual ~receiver() = default;
  virtual void receive_data(std::string_view bytes) = 0;
  virtual void receive_eof() = 0;
  virtual std::vector<wire::frame> take_events() = 0;
  virtual std::string take_output() = 0;
  virtual std::error_code send_close(std::uint16_t code, std::string_view reason) = 0;
  virtual close_status status() const = 0;
};

using receiver_factory = std::function<std::unique_ptr<receiver>(const options&, wire::mask_source)>;

// The reference: protocol::connection itself.
std::unique_ptr<receiver> make_reference_receiver(const options& opts, wire::mask_source masks);

struct receive_case {
  options opts;
  bool close_first = false;
  std::vector<std::size_t> splits;  // read sizes; the rest goes in one read
  std::string stream;
};

// Reads a case from fuzzer bytes: byte 0 picks role, close_first and size
// limits; byte 1 seeds the read split; the rest is the stream.
receive_case receive_case_from_bytes(const std::uint8_t* data, std::size_t size);

// Empty when every check holds; otherwise the first violation, readable.
std::string check_receive(const receive_case& c, const receiver_factory& make);

}  // namespace lastword::protocol
