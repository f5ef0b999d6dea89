// A store decorator for actor tests: forwards to a real store, counts commits, and fails on
// demand the way a lost database connection does. It never pretends to be a database itself.
#pragma once

#include "persistence/store.hpp"

#include <memory>
#include <string>

namespace mc::persistence::testing {

class faulty_store final : public store {
 public:
  explicit faulty_store(std::unique_ptr<store> inner) : inner_(std::move(inner)) {}

  /// While down, commits and reconnects fail with `unavailable`.
  bool down = false;
  int commit_calls = 0;
  int successful_commits = 0;
  std::size_t last_commit_batches = 0;

  std::string_view dialect() const noexcept override { return inner_->dialect(); }
  std::string describe() const override { return "faulty(" + inner_->describe() + ")"; }
  int schema_version() override { return inner_->schema_version(); }
  int migrate() override { return inner_->migrate(); }
  void transact(const std::function<void(store_txn&)>& fn, bool ro) override {
    inner_->transact(fn, ro);
  }
  void commit(std::span<const write_batch* const> batches) override {
    ++commit_calls;
    if (down)
      throw store_error(store_errc::unavailable, "connection lost");
    inner_->commit(batches);
    ++successful_commits;
    last_commit_batches = batches.size();
  }
  bool reconnect() override { return !down; }
  bool try_claim_server_lock() override { return inner_->try_claim_server_lock(); }
  void release_server_lock() override { inner_->release_server_lock(); }

 private:
  std::unique_ptr<store> inner_;
};

} // namespace mc::persistence::testing
