#include "supervisors/webhook_signature.hpp"

#include <boost/algorithm/hex.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <iterator>

namespace mc::supervisors {

std::string webhook_signature(std::string_view secret, std::string_view body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac.data(), &length);
  std::string out = "sha256=";
  boost::algorithm::hex_lower(mac.begin(), mac.begin() + length, std::back_inserter(out));
  return out;
}

bool signature_matches(std::string_view secret, std::string_view body, std::string_view signature) {
  const auto expected = webhook_signature(secret, body);
  return signature.size() == expected.size() &&
         CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) == 0;
}

} // namespace mc::supervisors
