// lastword/wire/handshake.hpp: the opening handshake's key arithmetic
// (RFC 6455 section 4): Sec-WebSocket-Key and Sec-WebSocket-Accept.
// Standard library only: SHA-1 (FIPS 180-4) and base64 (RFC 4648).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace lastword::wire {

std::array<std::uint8_t, 20> sha1(std::string_view data) noexcept;
std::string base64(std::string_view bytes);

// Section 4.2.2: base64(SHA-1(key + the GUID)).
std::string accept_key(std::string_view client_key);

// Section 4.1: a client key is 16 random bytes, base64-encoded. The bytes
// are given, so that the Sans-I/O core has no randomness of its own.
std::string client_key(const std::array<std::uint8_t, 16>& nonce);

}  // namespace lastword::wire
