#pragma once

// The coverage page served at GET / (coverage_page.html, compiled in): one
// self-contained document whose inline script draws the accounts x
// (service, region) matrix from /snapshot in the browser.

#include <memory>
#include <string>
#include <string_view>

namespace mw::health {

struct CoveragePage {
  std::shared_ptr<const std::string> html;
  // Allows the document's own inline <style> and <script> elements (by their
  // SHA-256) and fetches from the same origin; nothing else loads or runs.
  std::string content_security_policy;
};

// The page, built once.
const CoveragePage& coverage_page();

// The Content-Security-Policy for a document: 'sha256-...' sources for the
// text of each inline <script> and <style> element (written exactly so,
// without attributes; newlines hashed as LF, as browsers do), connect-src
// 'self', 'none' for everything else, and Trusted Types required, so the
// browser itself refuses any string written as markup.
std::string content_security_policy_for(std::string_view html);

}  // namespace mw::health
