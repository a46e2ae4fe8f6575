// The web console over Boost.Beast (console.h): an accept loop and one
// coroutine per connection, on the console's own io_context, in the shape
// of Beast's advanced server example; each request is answered by route().
#include "server/console/console.h"

#include <qrencode.h>
#include <sodium.h>

#include <chrono>
#include <map>
#include <mutex>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "cli/program.h"
#include "cli/records.h"
#include "sync/bytes.h"
#include "sync/net.h"

namespace fieldsync::server {

// The pages (server/console/web), compiled in by CMake (console_assets.cpp).
struct Asset {
  const char* path;  // "/", "/login", "/console.css", ...
  const char* type;
  const char* body;
};
extern const Asset kConsoleAssets[];
extern const std::size_t kConsoleAssetCount;

namespace {

using namespace fieldsync::net;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using json = nlohmann::ordered_json;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using Clock = std::chrono::steady_clock;
using sync::Errc;

constexpr auto kSignedIn = std::chrono::hours(8);
constexpr int kMaxFailures = 5;
constexpr auto kLockout = std::chrono::minutes(1);

std::string randomToken() {
  unsigned char b[24];
  randombytes_buf(b, sizeof b);
  return sync::toHex(std::string_view(reinterpret_cast<const char*>(b), sizeof b));
}

std::string cookie(const Request& req, std::string_view name) {
  const auto it = req.find(http::field::cookie);
  if (it == req.end()) return {};
  std::string_view all(it->value().data(), it->value().size());
  while (!all.empty()) {
    const std::size_t end = all.find(';');
    std::string_view part = all.substr(0, end);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=')
      return std::string(part.substr(name.size() + 1));
    if (end == std::string_view::npos) break;
    all.remove_prefix(end + 1);
  }
  return {};
}

std::string header(const Request& req, std::string_view name) {
  const auto it = req.find(beast::string_view(name.data(), name.size()));
  return it == req.end() ? std::string() : std::string(it->value());
}

// A QR code of `text` as an SVG data URL (libqrencode; error correction M).
std::string qrDataUrl(const std::string& text) {
  QRcode* q = QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (!q) return {};
  const int w = q->width, quiet = 4;
  std::string path;
  for (int y = 0; y < w; ++y)
    for (int x = 0; x < w; ++x)
      if (q->data[y * w + x] & 1) path += "M" + std::to_string(x + quiet) + " " + std::to_string(y + quiet) + "h1v1h-1z";
  QRcode_free(q);
  const std::string size = std::to_string(w + 2 * quiet);
  const std::string svg = "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 " + size + " " + size +
                          "' shape-rendering='crispEdges'><rect width='100%' height='100%' fill='#fff'/><path d='" +
                          path + "' fill='#000'/></svg>";
  std::string b64(sodium_base64_ENCODED_LEN(svg.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(svg.data()), svg.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  b64.resize(b64.size() - 1);  // the terminating NUL
  return "data:image/svg+xml;base64," + b64;
}

// A failure of the API, as its status and a JSON body that says what was wrong.
struct ApiError {
  http::status status;
  std::string message;
};

ApiError fromError(const sync::Error& e) {
  switch (e.code) {
    case Errc::invalid_input: return {http::status::bad_request, e.message};
    case Errc::not_found: return {http::status::not_found, e.message};
    case Errc::refused:
    case Errc::denied: return {http::status::conflict, e.message};
    case Errc::unavailable: return {http::status::service_unavailable, e.message};
    default: return {http::status::internal_server_error, e.message};
  }
}

template <class T>
T value(sync::Result<T> r) {
  if (!r) throw fromError(r.error());
  return std::move(r).value();
}

void check(const sync::Status& s) {
  if (!s) throw fromError(s.error());
}

json tableJson(const cli::Table& t) { return json::parse(cli::toJson(t)); }

std::string field(const json& body, const char* key) {
  const auto it = body.find(key);
  if (it == body.end() || it->is_null()) return {};
  if (!it->is_string()) throw ApiError{http::status::bad_request, std::string(key) + ": must be text"};
  return it->get<std::string>();
}

}  // namespace

struct Console::Impl {
  Server& server;
  asio::io_context io{1};
  std::optional<tcp::acceptor> acceptor;
  std::mutex mutex;  // guards the maps below (run() is one thread; stop() may come from another)
  struct SignIn {
    std::string csrf;
    Clock::time_point until;
    std::string stamp;  // the password's hash when signed in: setting a new one signs everyone out
  };
  std::map<std::string, SignIn> signed_in;          // by session cookie
  std::map<std::string, Clock::time_point> logins;  // login cookies (their CSRF token is themselves)
  struct Failures {
    int count = 0;
    Clock::time_point since;
  };
  std::map<std::string, Failures> failures;  // wrong passwords by address

  explicit Impl(Server& s) : server(s) {}

  awaitable<void> acceptLoop();
  awaitable<void> serveConnection(tcp::socket socket);
  Response route(const Request& req, const std::string& address);
  json api(const Request& req, const std::string& address, Response& res);
  const SignIn* session(const Request& req);
  void expire();
};

namespace {

Response basic(const Request& req, http::status status, std::string body, const std::string& type) {
  Response res(status, req.version());
  res.set(http::field::server, "fieldsync-server");
  res.set(http::field::content_type, type);
  res.set(http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set("X-Frame-Options", "DENY");
  res.set("Content-Security-Policy",
          "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; "
          "form-action 'self'");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

}  // namespace

void Console::Impl::expire() {
  const auto now = Clock::now();
  std::erase_if(signed_in, [&](const auto& e) { return e.second.until < now; });
  std::erase_if(logins, [&](const auto& e) { return e.second < now; });
  std::erase_if(failures, [&](const auto& e) { return e.second.since + kLockout < now; });
}

const Console::Impl::SignIn* Console::Impl::session(const Request& req) {
  const auto it = signed_in.find(cookie(req, "fs_session"));
  if (it == signed_in.end()) return nullptr;
  if (it->second.stamp != value(server.adminPasswordStamp())) {
    signed_in.erase(it);
    return nullptr;
  }
  return &it->second;
}

Response Console::Impl::route(const Request& req, const std::string& address) {
  const std::string target(req.target());
  const std::string path = target.substr(0, target.find('?'));
  if (path == "/metrics" && (req.method() == http::verb::get || req.method() == http::verb::head)) {
    auto text = server.metrics();
    if (!text) return basic(req, http::status::internal_server_error, text.error().message + "\n", "text/plain");
    return basic(req, http::status::ok, *text, "text/plain; version=0.0.4; charset=utf-8");
  }
  if (path.rfind("/api/", 0) == 0) {
    Response res;
    std::lock_guard held(mutex);
    expire();
    try {
      json out = api(req, address, res);
      Response ok = basic(req, http::status::ok, out.dump(), "application/json");
      for (const auto& f : res) ok.insert(f.name_string(), f.value());
      return ok;
    } catch (const ApiError& e) {
      return basic(req, e.status, json{{"error", e.message}}.dump(), "application/json");
    } catch (const json::exception&) {
      return basic(req, http::status::bad_request, json{{"error", "the request body is not JSON"}}.dump(),
                   "application/json");
    }
  }
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    Response res = basic(req, http::status::method_not_allowed, "GET only\n", "text/plain");
    res.set(http::field::allow, "GET, HEAD");
    return res;
  }
  for (std::size_t i = 0; i < kConsoleAssetCount; ++i)
    if (path == kConsoleAssets[i].path)
      return basic(req, http::status::ok, kConsoleAssets[i].body, std::string(kConsoleAssets[i].type) + "; charset=utf-8");
  return basic(req, http::status::not_found, "not found\n", "text/plain");
}

json Console::Impl::api(const Request& req, const std::string& address, Response& res) {
  const std::string target(req.target());
  const std::string path = target.substr(0, target.find('?'));
  const std::string query = target.size() > path.size() ? target.substr(path.size() + 1) : "";
  const bool post = req.method() == http::verb::post;
  if (!post && req.method() != http::verb::get) throw ApiError{http::status::method_not_allowed, "GET or POST only"};
  const json body = post && !req.body().empty() ? json::parse(req.body()) : json::object();
  if (post && !body.is_object()) throw ApiError{http::status::bad_request, "the request body must be a JSON object"};
  const std::string csrf = header(req, "X-CSRF-Token");

  if (path == "/api/session" && !post) {
    if (const SignIn* s = session(req)) return {{"signed_in", true}, {"csrf", s->csrf}};
    const std::string login = randomToken();
    logins[login] = Clock::now() + std::chrono::minutes(30);
    res.set(http::field::set_cookie, "fs_login=" + login + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=1800");
    return {{"signed_in", false}, {"csrf", login}};
  }
  if (path == "/api/login" && post) {
    const std::string login = cookie(req, "fs_login");
    if (login.empty() || !logins.count(login) || csrf != login)
      throw ApiError{http::status::forbidden, "the sign-in form is stale; load the page again"};
    Failures& f = failures[address];
    if (f.count >= kMaxFailures)
      throw ApiError{http::status::too_many_requests, "too many wrong passwords from this address; wait a minute"};
    if (!value(server.checkAdminPassword(field(body, "password")))) {
      if (f.count++ == 0) f.since = Clock::now();
      server.log(LogLevel::warning, "console: a wrong password from " + address +
                                        (f.count >= kMaxFailures ? "; it is locked out for a minute" : ""));
      throw ApiError{http::status::unauthorized,
                     "wrong password (set one with 'fieldsync-server --data DIR admin-password')"};
    }
    failures.erase(address);
    logins.erase(login);
    const std::string id = randomToken(), token = randomToken();
    signed_in[id] = {token, Clock::now() + kSignedIn, value(server.adminPasswordStamp())};
    server.log(LogLevel::info, "console: signed in from " + address);
    res.set(http::field::set_cookie, "fs_session=" + id + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=28800");
    return {{"signed_in", true}, {"csrf", token}};
  }
  const SignIn* s = session(req);
  if (!s) throw ApiError{http::status::unauthorized, "sign in first"};
  if (post && csrf != s->csrf) throw ApiError{http::status::forbidden, "the form's CSRF token does not match this session"};

  if (path == "/api/logout" && post) {
    signed_in.erase(cookie(req, "fs_session"));
    res.set(http::field::set_cookie, "fs_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    return {{"signed_in", false}};
  }
  if (path == "/api/overview" && !post) {
    const auto devices = value(server.devices());
    const std::uint64_t head = value(server.logHead());
    cli::Table t{{"device", "branch", "role", "person", "last_contact", "lag", "pending", "clock_offset_ms", "revoked"}, {}};
    for (const Device& d : devices)
      t.rows.push_back({d.node.hex(), d.branch, d.role, d.person,
                        d.last_contact ? cli::Cell{cli::Time{d.last_contact}} : cli::Cell{},
                        static_cast<std::int64_t>(d.cursor < head ? head - d.cursor : 0),
                        d.announced ? cli::Cell{static_cast<std::int64_t>(d.announced > d.watermark ? d.announced - d.watermark : 0)}
                                    : cli::Cell{},
                        d.clock_offset_ms, d.revoked_at ? cli::Cell{cli::Time{*d.revoked_at}} : cli::Cell{}});
    json backup = nullptr;
    if (auto last = value(server.lastBackup()))
      backup = tableJson({{"backup", "taken", "ops"}, {{last->path, cli::Time{last->at}, static_cast<std::int64_t>(last->ops)}}})[0];
    return {{"devices", tableJson(t)}, {"ops", head}, {"open_exceptions", value(server.exceptions(false)).size()},
            {"last_backup", backup}};
  }
  if (path == "/api/revoke" && post) {
    check(server.revoke(field(body, "device")));
    return {{"revoked", field(body, "device")}};
  }
  if (path == "/api/tokens" && !post) {
    cli::Table t{{"token", "branch", "role", "person", "expires", "used_by"}, {}};
    for (const TokenInfo& k : value(server.tokens()))
      t.rows.push_back({k.id, k.branch, k.role, k.person, cli::Time{k.expires_at},
                        k.used_by ? cli::Cell{k.used_by->hex()} : k.used ? cli::Cell{std::string("?")} : cli::Cell{}});
    return tableJson(t);
  }
  if (path == "/api/tokens" && post) {
    const std::string expires = field(body, "expires").empty() ? "24h" : field(body, "expires");
    const auto valid = value(cli::parseDuration(expires, "expires"));
    const std::string ticket =
        value(server.enrollToken(field(body, "branch"), field(body, "role"), field(body, "person"), valid, "", 0));
    return {{"ticket", ticket}, {"qr", qrDataUrl(ticket)}};
  }
  if (path == "/api/exceptions" && !post) {
    const bool all = query.find("all=1") != std::string::npos;
    auto rows = value(server.exceptions(all));
    auto param = [&](const std::string& key) {
      const std::string k = key + "=";
      for (std::size_t at = 0; at < query.size();) {
        const std::size_t end = std::min(query.find('&', at), query.size());
        if (query.compare(at, k.size(), k) == 0) return query.substr(at + k.size(), end - at - k.size());
        at = end + 1;
      }
      return std::string();
    };
    if (const std::string kind = param("kind"); !kind.empty())
      std::erase_if(rows, [&](const node::ExceptionRow& r) { return r.kind != kind; });
    return {{"exceptions", tableJson(cli::toTable(rows))}};
  }
  if (path.rfind("/api/exceptions/", 0) == 0) {
    std::string ref = path.substr(std::string("/api/exceptions/").size());
    const bool resolve = ref.size() > 8 && ref.compare(ref.size() - 8, 8, "/resolve") == 0;
    if (resolve) ref.resize(ref.size() - 8);
    if (!resolve && !post) {
      const node::ExceptionView v = value(server.showException(ref));
      json out = json::object();
      for (const auto& row : tableJson(cli::toTable(v))) out[row["field"].get<std::string>()] = row["value"];
      return out;
    }
    if (resolve && post) {
      node::Resolution how{field(body, "note"), std::nullopt, field(body, "transfer_from")};
      if (const std::string q = field(body, "adjust"); !q.empty()) how.adjust = value(node::parseQty(q, "adjust"));
      const std::string d = field(body, "decision");
      using D = Server::Decision;
      if (!d.empty() && d != "release" && d != "reject")
        throw ApiError{http::status::bad_request, "decision: release or reject"};
      const auto r = value(server.resolveException(ref, how, d == "release" ? D::release : d == "reject" ? D::reject : D::none));
      return tableJson(cli::toTable(r))[0];
    }
  }
  if (path == "/api/periods" && !post) return tableJson(cli::toTable(value(server.periods())));
  if (path == "/api/periods" && post)
    return tableJson(cli::toTable(value(server.closePeriod({field(body, "branch"), field(body, "through")}))))[0];
  throw ApiError{http::status::not_found, "no such call: " + std::string(req.method_string()) + " " + path};
}

awaitable<void> Console::Impl::serveConnection(tcp::socket socket) {
  boost::system::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  const std::string address = ec ? "?" : peer.address().to_string();
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);
    stream.expires_after(std::chrono::seconds(30));
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
    if (ec == http::error::body_limit || ec == http::error::header_limit || ec == http::error::bad_content_length ||
        ec == http::error::bad_transfer_encoding || ec == http::error::bad_method || ec == http::error::bad_target ||
        ec == http::error::bad_version || ec == http::error::bad_field || ec == http::error::bad_value) {
      // Answered, then closed: the rest of the stream cannot be trusted.
      const bool large = ec == http::error::body_limit || ec == http::error::header_limit;
      Request none;
      none.keep_alive(false);
      Response res = basic(none, large ? http::status::payload_too_large : http::status::bad_request,
                           large ? "request too large (64 KiB at most)\n" : "malformed request\n", "text/plain");
      res.keep_alive(false);
      co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
      break;
    }
    if (ec) break;  // closed or timed out: nothing to answer
    const Request& req = parser.get();
    Response res = route(req, address);
    stream.expires_after(std::chrono::seconds(30));
    co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
    if (ec || !res.keep_alive()) break;
  }
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

awaitable<void> Console::Impl::acceptLoop() {
  for (;;) {
    tcp::socket socket(io);
    boost::system::error_code ec;
    co_await acceptor->async_accept(socket, asio::redirect_error(use_awaitable, ec));
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) continue;
    asio::co_spawn(io, serveConnection(std::move(socket)), asio::detached);
  }
}

Console::Console(Server& server) : impl_(std::make_unique<Impl>(server)) {}
Console::~Console() = default;

Result<std::uint16_t> Console::listen(const std::string& host, std::uint16_t port) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return sync::fail(Errc::invalid_input, "--admin-listen: '" + host + "' is not an IP address");
  tcp::acceptor a(impl_->io);
  if ((ec = listenOn(a, {address, port})))
    return sync::fail(Errc::unavailable, "--admin-listen: cannot listen on " + host + ":" + std::to_string(port) + ": " +
                                             ec.message());
  const std::uint16_t bound = a.local_endpoint().port();
  impl_->acceptor.emplace(std::move(a));
  return bound;
}

void Console::run() {
  if (!impl_->acceptor) return;
  asio::co_spawn(impl_->io, impl_->acceptLoop(), asio::detached);
  impl_->io.run();
}

void Console::stop() {
  asio::post(impl_->io, [impl = impl_.get()] {
    boost::system::error_code ignored;
    if (impl->acceptor) impl->acceptor->close(ignored);
    impl->io.stop();
  });
}

}  // namespace fieldsync::server
