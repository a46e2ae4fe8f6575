// The one place the project includes Asio (conventions 13). Only programs
// and the node's and server's network code include this header; the sync
// library itself does no I/O.
#pragma once

#include <utility>  // first: g++ 12 otherwise fails inside boost/asio/awaitable.hpp

#include <boost/asio.hpp>

namespace fieldsync::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
}  // namespace fieldsync::net
