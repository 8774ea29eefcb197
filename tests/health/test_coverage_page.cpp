#include <doctest/doctest.h>

#include <string>

#include "health/coverage_page.hpp"
#include "health/health_routes.hpp"
#include "reply_headers.hpp"

using namespace mw::health;
using mw::health::testing::header;

TEST_CASE("the Content-Security-Policy allows each inline script and style by its SHA-256, nothing else") {
  // Digests from `printf %s TEXT | openssl dgst -sha256 -binary | base64`.
  const auto policy = content_security_policy_for("<style>b{}</style><p>x</p><script>go()</script>");
  CHECK(policy ==
        "default-src 'none'; script-src 'sha256-5KYv+PUboo5h+0+YAtGRPbwv5d/QxzHslP4YGnUaxRw='; "
        "style-src 'sha256-7yqHVAesot11p6HczDsgKRipvI5UPgs97z80zNXlans='; connect-src 'self'; img-src data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'");
  // CR LF and CR are hashed as the LF the browser sees.
  CHECK(content_security_policy_for("<script>a\r\nb\rc</script>") ==
        content_security_policy_for("<script>a\nb\nc</script>"));
  const auto two = content_security_policy_for("<script>a()</script><script>b()</script>");
  CHECK(two.find("script-src 'sha256-") != std::string::npos);
  CHECK(two.find("=' 'sha256-") != std::string::npos);  // one source per script
  CHECK(two.find("style-src 'none'") != std::string::npos);
  CHECK_THROWS(content_security_policy_for("<script>never closed"));
}

TEST_CASE("GET / serves the coverage page: HTML, its own policy, no sniffing, no framing") {
  const HealthHandlers handlers{};
  const auto reply = route_health_request("GET", "/", "", handlers);
  CHECK(reply.status == 200);
  CHECK(reply.content_type == "text/html; charset=utf-8");
  REQUIRE(reply.body);
  CHECK(reply.body->starts_with("<!DOCTYPE html>"));
  CHECK(reply.body->find("fetch(\"snapshot\"") != std::string::npos);
  CHECK(header(reply, "Content-Security-Policy") == content_security_policy_for(*reply.body));
  CHECK(header(reply, "Content-Security-Policy").find("script-src 'sha256-") != std::string::npos);
  CHECK(header(reply, "X-Content-Type-Options") == "nosniff");
  CHECK(header(reply, "X-Frame-Options") == "DENY");
  CHECK(header(reply, "Referrer-Policy") == "no-referrer");
  CHECK(route_health_request("HEAD", "/?filter=x", "", handlers).headers_only);
}

TEST_CASE("the page loads nothing from elsewhere and never writes markup from data") {
  const auto& html = *coverage_page().html;
  for (const char* outside : {"http://", "https://", "//cdn", "src=", "@import", "url("}) {
    CAPTURE(outside);
    CHECK(html.find(outside) == std::string::npos);
  }
  for (const char* markup_sink :
       {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("}) {
    CAPTURE(markup_sink);
    CHECK(html.find(markup_sink) == std::string::npos);
  }
}

TEST_CASE("the page's script and style are the bare elements the policy hashes, and nothing inline else") {
  const auto& html = *coverage_page().html;
  const auto count = [&](std::string_view needle) {
    std::size_t n = 0;
    for (auto at = html.find(needle); at != std::string::npos; at = html.find(needle, at + 1)) ++n;
    return n;
  };
  CHECK(count("<script") == 1);
  CHECK(count("<script>") == 1);
  CHECK(count("<style") == 1);
  CHECK(count("<style>") == 1);
  CHECK(count(" style=") == 0);  // a style attribute is not allowed by the hash
  for (const char* handler :
       {" onclick=", " onload=", " onchange=", " oninput=", " onerror=", " onsubmit="}) {
    CAPTURE(handler);
    CHECK(count(handler) == 0);  // nor is an inline event handler
  }
}
