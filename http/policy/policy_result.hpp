// The value-or-error every policy call returns: an mc::errc (mapped to a status at the edge)
// plus a message safe to show the client. Never carries a secret.
#pragma once

#include "domain/errc.hpp"

#include <string>
#include <utility>
#include <variant>

namespace mc::http {

struct policy_error {
  errc code = errc::internal;
  std::string message;
  friend bool operator==(const policy_error&, const policy_error&) = default;
};

template <class T>
class policy_result {
 public:
  policy_result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  policy_result(policy_error f) : v_(std::in_place_index<1>, std::move(f)) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  // std::get throws bad_variant_access on misuse rather than reading garbage.
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const policy_error& error() const { return std::get<1>(v_); }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, policy_error> v_;
};

} // namespace mc::http
