// lastword/impls/protocol_variants.hpp: regression variants at the protocol
// layer, each one small, documented difference from the reference.
//
// A variant wraps the reference protocol::connection; the reference itself
// carries no variant branches. Each is the Sans-I/O form of the registry
// entry of the same name (impls/registry.hpp), which is where layers find it.
#pragma once

#include <memory>

#include "lastword/protocol/receive_check.hpp"

namespace lastword::impls {

// tungstenite-closing-drops-data: tungstenite-rs up to 0.9.1, fixed in 0.9.2.
// After the application starts the closing handshake (state closing), data
// frames the peer sent before it saw our close frame are discarded instead
// of received.
std::unique_ptr<protocol::receiver> make_tungstenite_closing_drops_data(
    const protocol::options& opts, wire::mask_source masks);

}  // namespace lastword::impls
