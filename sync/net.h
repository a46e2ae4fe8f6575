// The one place the project includes Asio (conventions 13). Only programs
// and the node's and server's network code include this header; the sync
// library itself does no I/O.
#pragma once

#include <utility>  // first: g++ 12 otherwise fails inside boost/asio/awaitable.hpp

#include <boost/asio.hpp>

namespace fieldsync::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Opens `a` on `at`, bound (SO_REUSEADDR) and listening; port 0 takes any free one.
inline boost::system::error_code listenOn(tcp::acceptor& a, const tcp::endpoint& at) {
  boost::system::error_code ec;
  a.open(at.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(at, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  return ec;
}
}  // namespace fieldsync::net
