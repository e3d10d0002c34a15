// actor: the M:N ActorSystem against CAF (the C++ Actor Framework) and a thread per actor
// with a mutex-guarded mailbox. Every system runs on 2 threads (CAF: scheduler.max-threads
// = 2; lockstep: ActorSystem(2)); the thread-per-actor baseline has one thread per actor.
//
//   ping_pong:        two actors bounce a counter until it reaches 0 (round trips/s)
//   one_to_one:       the benchmark thread tells one counting actor kMessages ints
//                     (messages/s, until the actor has received the last one)

#include <benchmark/benchmark.h>

#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "actor.hpp"
#include "bench_common.hpp"

#if LOCKSTEP_HAVE_CAF
#include <caf/all.hpp>
#endif

namespace {

constexpr int kRoundTrips = 50'000;
constexpr int kMessages = 500'000;
constexpr std::size_t kSystemThreads = 2;

// ---- lockstep ------------------------------------------------------------------------

namespace la = lockstep::actor;

struct PingPongPeers {
  la::ActorRef<int> ping;
  la::ActorRef<int> pong;
  std::promise<void>* done = nullptr;  // set before the first tell of each round
};

class Player {
 public:
  using Message = int;
  Player(std::shared_ptr<PingPongPeers> peers, bool is_ping)
      : peers_(std::move(peers)), is_ping_(is_ping) {}
  void receive(int n, la::Context<int>& /*ctx*/) {
    if (!is_ping_) {
      peers_->ping.tell(n);
    } else if (n == 0) {
      peers_->done->set_value();
    } else {
      peers_->pong.tell(n - 1);
    }
  }

 private:
  std::shared_ptr<PingPongPeers> peers_;
  bool is_ping_;
};

struct CountTarget {
  int expected = 0;
  std::promise<void>* done = nullptr;
};

class Counter {
 public:
  using Message = int;
  explicit Counter(std::shared_ptr<CountTarget> target) : target_(std::move(target)) {}
  void receive(int /*n*/, la::Context<int>& /*ctx*/) {
    if (++received_ == target_->expected) {
      received_ = 0;
      target_->done->set_value();
    }
  }

 private:
  std::shared_ptr<CountTarget> target_;
  int received_ = 0;
};

void lockstep_ping_pong(benchmark::State& state) {
  la::ActorSystem system(kSystemThreads);
  auto peers = std::make_shared<PingPongPeers>();
  peers->ping = system.spawn<Player>(peers, true);
  peers->pong = system.spawn<Player>(peers, false);
  for (auto _ : state) {
    std::promise<void> done;
    peers->done = &done;
    const double seconds = lockstep::bench::time_once([&] {
      peers->pong.tell(kRoundTrips);
      done.get_future().wait();
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * kRoundTrips);
  system.shutdown();
  peers->ping = {};  // the actors hold `peers`: break the cycle
  peers->pong = {};
}

void lockstep_one_to_one(benchmark::State& state) {
  la::ActorSystem system(kSystemThreads);
  auto target = std::make_shared<CountTarget>();
  target->expected = kMessages;
  auto counter = system.spawn<Counter>(target);
  for (auto _ : state) {
    std::promise<void> done;
    target->done = &done;
    const double seconds = lockstep::bench::time_once([&] {
      for (int i = 0; i < kMessages; ++i) {
        counter.tell(i);
      }
      done.get_future().wait();
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * kMessages);
}

// ---- a thread per actor, mutex + condition variable mailbox, batch swap -----------------

class ThreadActor {
 public:
  explicit ThreadActor(std::function<void(int)> handler)
      : handler_(std::move(handler)), thread_([this] { loop(); }) {}
  ~ThreadActor() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_one();
    thread_.join();
  }
  ThreadActor(const ThreadActor&) = delete;
  ThreadActor& operator=(const ThreadActor&) = delete;
  ThreadActor(ThreadActor&&) = delete;
  ThreadActor& operator=(ThreadActor&&) = delete;

  void tell(int message) {
    bool was_empty = false;
    {
      std::lock_guard lock(mutex_);
      was_empty = inbox_.empty();
      inbox_.push_back(message);
    }
    if (was_empty) {  // the actor only sleeps on an empty inbox
      ready_.notify_one();
    }
  }

 private:
  void loop() {
    std::vector<int> batch;
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return stopping_ || !inbox_.empty(); });
        if (inbox_.empty()) {
          return;
        }
        batch.swap(inbox_);  // take the whole mailbox in one critical section
      }
      for (int message : batch) {
        handler_(message);
      }
      batch.clear();
    }
  }

  std::function<void(int)> handler_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<int> inbox_;  // guarded by mutex_
  bool stopping_ = false;   // guarded by mutex_
  std::thread thread_;      // last: starts after the members above exist
};

void thread_ping_pong(benchmark::State& state) {
  std::promise<void>* done = nullptr;
  std::unique_ptr<ThreadActor> ping;
  std::unique_ptr<ThreadActor> pong;
  ping = std::make_unique<ThreadActor>([&](int n) {
    if (n == 0) {
      done->set_value();
    } else {
      pong->tell(n - 1);
    }
  });
  pong = std::make_unique<ThreadActor>([&](int n) { ping->tell(n); });
  for (auto _ : state) {
    std::promise<void> finished;
    done = &finished;
    const double seconds = lockstep::bench::time_once([&] {
      pong->tell(kRoundTrips);
      finished.get_future().wait();
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * kRoundTrips);
  pong.reset();
  ping.reset();
}

void thread_one_to_one(benchmark::State& state) {
  std::promise<void>* done = nullptr;
  int received = 0;
  ThreadActor counter([&](int /*n*/) {
    if (++received == kMessages) {
      received = 0;
      done->set_value();
    }
  });
  for (auto _ : state) {
    std::promise<void> finished;
    done = &finished;
    const double seconds = lockstep::bench::time_once([&] {
      for (int i = 0; i < kMessages; ++i) {
        counter.tell(i);
      }
      finished.get_future().wait();
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * kMessages);
}

// ---- CAF --------------------------------------------------------------------------------

#if LOCKSTEP_HAVE_CAF
struct CafSystem {
  CafSystem() : system(configure(config)) {}
  static caf::actor_system_config& configure(caf::actor_system_config& cfg) {
    cfg.set("scheduler.max-threads", static_cast<int>(kSystemThreads));
    return cfg;
  }
  caf::actor_system_config config;
  caf::actor_system system;
};

void caf_ping_pong(benchmark::State& state) {
  CafSystem caf_system;
  auto& system = caf_system.system;
  // pong answers every int with the same int; returning a value sends it to the sender.
  auto pong = system.spawn(
      [](caf::event_based_actor* /*self*/) -> caf::behavior { return {[](int n) { return n; }}; });
  for (auto _ : state) {
    std::promise<void> finished;
    const double seconds = lockstep::bench::time_once([&] {
      system.spawn([pong, &finished](caf::event_based_actor* self) -> caf::behavior {
        self->send(pong, kRoundTrips);
        return {[self, pong, &finished](int n) {
          if (n == 0) {
            finished.set_value();
            self->quit();
          } else {
            self->send(pong, n - 1);
          }
        }};
      });
      finished.get_future().wait();
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * kRoundTrips);
  caf::anon_send_exit(pong, caf::exit_reason::user_shutdown);
}

void caf_one_to_one(benchmark::State& state) {
  CafSystem caf_system;
  auto& system = caf_system.system;
  std::promise<void>* done = nullptr;
  auto counter = system.spawn([&done](caf::event_based_actor* /*self*/) -> caf::behavior {
    auto received = std::make_shared<int>(0);
    return {[received, &done](int /*n*/) {
      if (++*received == kMessages) {
        *received = 0;
        done->set_value();
      }
    }};
  });
  for (auto _ : state) {
    std::promise<void> finished;
    done = &finished;
    const double seconds = lockstep::bench::time_once([&] {
      for (int i = 0; i < kMessages; ++i) {
        caf::anon_send(counter, i);
      }
      finished.get_future().wait();
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * kMessages);
  caf::anon_send_exit(counter, caf::exit_reason::user_shutdown);
}
#endif

void add(const std::string& name, void (*fn)(benchmark::State&)) {
  benchmark::RegisterBenchmark(name.c_str(), fn)->UseManualTime()->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
  add("ping_pong/lockstep", lockstep_ping_pong);
  add("ping_pong/thread_per_actor", thread_ping_pong);
  add("one_to_one/lockstep", lockstep_one_to_one);
  add("one_to_one/thread_mutex_batch_swap", thread_one_to_one);
#if LOCKSTEP_HAVE_CAF
  add("ping_pong/caf", caf_ping_pong);
  add("one_to_one/caf", caf_one_to_one);
#endif
  return lockstep::bench::run_registered(argc, argv);
}
