#include "lastword/sim/stream.hpp"

#include <algorithm>
#include <cstring>

namespace lastword::sim {

namespace errc = boost::asio::error;

void stream::start_read(std::unique_ptr<op_base> op, std::vector<boost::asio::mutable_buffer> bufs) {
  if (closed_ || read_op_) {
    op->complete(errc::operation_aborted, 0);
    return;
  }
  read_op_ = std::move(op);
  read_bufs_ = std::move(bufs);
  try_complete_read();
}

void stream::try_complete_read() {
  if (!read_op_) return;
  std::size_t capacity = 0;
  for (const auto& b : read_bufs_) capacity += b.size();
  if (reset_offered_) {
    end_read_ = true;
    ++reads_;
    if (observer_.read_end) observer_.read_end(true);
    std::exchange(read_op_, nullptr)->complete(errc::connection_reset, 0);
    return;
  }
  if (!inbound_.empty() && capacity > 0) {
    std::size_t done = 0;
    for (const auto& b : read_bufs_) {
      const std::size_t n = std::min(b.size(), inbound_.size() - done);
      std::memcpy(b.data(), inbound_.data() + done, n);
      done += n;
      if (done == inbound_.size()) break;
    }
    inbound_.erase(0, done);
    if (observer_.read) observer_.read(bytes_read_, done);
    bytes_read_ += done;
    ++reads_;
    std::exchange(read_op_, nullptr)->complete({}, done);
    return;
  }
  if (eof_offered_ && inbound_.empty()) {
    end_read_ = true;
    ++reads_;
    if (observer_.read_end) observer_.read_end(false);
    std::exchange(read_op_, nullptr)->complete(errc::eof, 0);
  }
}

void stream::start_write(std::unique_ptr<op_base> op, std::string bytes) {
  if (closed_ || output_shut_ || write_op_) {
    op->complete(errc::broken_pipe, 0);
    return;
  }
  if (stalled_) {
    write_op_ = std::move(op);
    write_bytes_ = std::move(bytes);
    return;
  }
  outbound_ += bytes;
  if (observer_.wrote) observer_.wrote(bytes);
  op->complete({}, bytes.size());
}

void stream::release_writes() {
  stalled_ = false;
  if (!write_op_) return;
  outbound_ += write_bytes_;
  if (observer_.wrote) observer_.wrote(write_bytes_);
  const std::size_t n = write_bytes_.size();
  write_bytes_.clear();
  std::exchange(write_op_, nullptr)->complete({}, n);
}

void stream::shutdown_output() noexcept {
  if (output_shut_) return;
  output_shut_ = true;
  if (observer_.output_shutdown) observer_.output_shutdown();
}

void stream::close() noexcept {
  if (closed_) return;
  closed_ = true;
  output_shut_ = true;
  if (observer_.closed) observer_.closed();
  if (read_op_) std::exchange(read_op_, nullptr)->complete(errc::operation_aborted, 0);
  if (write_op_) std::exchange(write_op_, nullptr)->complete(errc::operation_aborted, 0);
}

void stream::offer(std::string_view bytes) {
  if (reset_offered_ || eof_offered_) return;
  inbound_ += bytes;
  try_complete_read();
}

void stream::offer_eof() {
  if (reset_offered_) return;
  eof_offered_ = true;
  try_complete_read();
}

void stream::offer_reset() {
  reset_offered_ = true;
  inbound_.clear();  // a reset may discard bytes not yet read
  try_complete_read();
}

}  // namespace lastword::sim
