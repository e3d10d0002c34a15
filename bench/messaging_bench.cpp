// messaging: the Broker's point-to-point mailboxes and request-reply against ZeroMQ's
// in-process transport (inproc://, what a user reaches for to pass messages between
// threads) and a hand-written mutex + condition-variable queue of the same Message type.
//
//   p2p_1to1:       one thread sends kMessages 16-byte messages, another receives them
//   request_reply:  one thread makes kRequests requests, another answers each (round trips/s)

#include <benchmark/benchmark.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

#include "bench_common.hpp"
#include "messaging.hpp"

#if LOCKSTEP_HAVE_ZMQ
#include <zmq.h>
#endif

namespace {

constexpr int kMessages = 100'000;
constexpr int kRequests = 20'000;
constexpr auto kTimeout = std::chrono::seconds(10);
const std::string kBody(16, 'x');

namespace lm = lockstep::messaging;

void lockstep_p2p(benchmark::State& state) {
  lm::Broker broker;
  lm::Mailbox mailbox = broker.open_mailbox("sink");
  for (auto _ : state) {
    const double seconds = lockstep::bench::run_on_threads(2, [&](int i) {
      if (i == 0) {
        for (int n = 0; n < kMessages; ++n) {
          broker.send("sink", lm::Message{"source", kBody, 0});
        }
      } else {
        std::size_t bytes = 0;
        for (int n = 0; n < kMessages; ++n) {
          bytes += mailbox.receive(kTimeout)->body.size();
        }
        benchmark::DoNotOptimize(bytes);
      }
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * kMessages);
}

void lockstep_request_reply(benchmark::State& state) {
  lm::Broker broker;
  lm::Mailbox server = broker.open_mailbox("server");
  for (auto _ : state) {
    const double seconds = lockstep::bench::run_on_threads(2, [&](int i) {
      if (i == 0) {
        std::size_t bytes = 0;
        for (int n = 0; n < kRequests; ++n) {
          bytes += broker.request("server", lm::Message{"client", kBody, 0}, kTimeout)->body.size();
        }
        benchmark::DoNotOptimize(bytes);
      } else {
        for (int n = 0; n < kRequests; ++n) {
          const auto request = server.receive(kTimeout);
          broker.reply(*request, lm::Reply{"server", request->body});
        }
      }
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * kRequests);
}

// The baseline a user writes by hand: an unbounded queue of Message under one mutex.
class MessageQueue {
 public:
  void push(lm::Message message) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(message));
    }
    ready_.notify_one();
  }
  lm::Message pop() {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [this] { return !queue_.empty(); });
    lm::Message message = std::move(queue_.front());
    queue_.pop_front();
    return message;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<lm::Message> queue_;
};

void queue_p2p(benchmark::State& state) {
  MessageQueue queue;
  for (auto _ : state) {
    const double seconds = lockstep::bench::run_on_threads(2, [&](int i) {
      if (i == 0) {
        for (int n = 0; n < kMessages; ++n) {
          queue.push(lm::Message{"source", kBody, 0});
        }
      } else {
        std::size_t bytes = 0;
        for (int n = 0; n < kMessages; ++n) {
          bytes += queue.pop().body.size();
        }
        benchmark::DoNotOptimize(bytes);
      }
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * kMessages);
}

void queue_request_reply(benchmark::State& state) {
  MessageQueue requests;
  MessageQueue replies;
  for (auto _ : state) {
    const double seconds = lockstep::bench::run_on_threads(2, [&](int i) {
      if (i == 0) {
        std::size_t bytes = 0;
        for (int n = 0; n < kRequests; ++n) {
          requests.push(lm::Message{"client", kBody, 0});
          bytes += replies.pop().body.size();
        }
        benchmark::DoNotOptimize(bytes);
      } else {
        for (int n = 0; n < kRequests; ++n) {
          lm::Message request = requests.pop();
          replies.push(lm::Message{"server", std::move(request.body), 0});
        }
      }
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * kRequests);
}

#if LOCKSTEP_HAVE_ZMQ
// Two connected inproc sockets of the given types; the context outlives them.
class ZmqPair {
 public:
  ZmqPair(int bind_type, int connect_type, const char* endpoint)
      : context_(zmq_ctx_new()),
        bound_(zmq_socket(context_, bind_type)),
        connected_(zmq_socket(context_, connect_type)) {
    zmq_bind(bound_, endpoint);  // inproc: bind before connect
    zmq_connect(connected_, endpoint);
  }
  ~ZmqPair() {
    zmq_close(connected_);
    zmq_close(bound_);
    zmq_ctx_term(context_);
  }
  ZmqPair(const ZmqPair&) = delete;
  ZmqPair& operator=(const ZmqPair&) = delete;
  ZmqPair(ZmqPair&&) = delete;
  ZmqPair& operator=(ZmqPair&&) = delete;

  // Each socket is used by one thread at a time (handed over by thread start and join).
  void* bound() { return bound_; }
  void* connected() { return connected_; }

 private:
  void* context_;
  void* bound_;
  void* connected_;
};

void zmq_p2p(benchmark::State& state) {
  ZmqPair pair(ZMQ_PULL, ZMQ_PUSH, "inproc://lockstep-bench-p2p");
  for (auto _ : state) {
    const double seconds = lockstep::bench::run_on_threads(2, [&](int i) {
      if (i == 0) {
        for (int n = 0; n < kMessages; ++n) {
          zmq_send(pair.connected(), kBody.data(), kBody.size(), 0);
        }
      } else {
        char buffer[64];
        std::size_t bytes = 0;
        for (int n = 0; n < kMessages; ++n) {
          bytes += static_cast<std::size_t>(zmq_recv(pair.bound(), buffer, sizeof buffer, 0));
        }
        benchmark::DoNotOptimize(bytes);
      }
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * kMessages);
}

void zmq_request_reply(benchmark::State& state) {
  ZmqPair pair(ZMQ_REP, ZMQ_REQ, "inproc://lockstep-bench-rr");
  for (auto _ : state) {
    const double seconds = lockstep::bench::run_on_threads(2, [&](int i) {
      char buffer[64];
      if (i == 0) {
        std::size_t bytes = 0;
        for (int n = 0; n < kRequests; ++n) {
          zmq_send(pair.connected(), kBody.data(), kBody.size(), 0);
          bytes += static_cast<std::size_t>(zmq_recv(pair.connected(), buffer, sizeof buffer, 0));
        }
        benchmark::DoNotOptimize(bytes);
      } else {
        for (int n = 0; n < kRequests; ++n) {
          const int size = zmq_recv(pair.bound(), buffer, sizeof buffer, 0);
          zmq_send(pair.bound(), buffer, static_cast<std::size_t>(size), 0);
        }
      }
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * kRequests);
}
#endif

void add(const std::string& name, void (*fn)(benchmark::State&)) {
  benchmark::RegisterBenchmark(name.c_str(), fn)->UseManualTime()->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
  add("p2p_1to1/lockstep", lockstep_p2p);
  add("p2p_1to1/mutex_cv_queue", queue_p2p);
  add("request_reply/lockstep", lockstep_request_reply);
  add("request_reply/mutex_cv_queue_pair", queue_request_reply);
#if LOCKSTEP_HAVE_ZMQ
  add("p2p_1to1/zeromq_inproc", zmq_p2p);
  add("request_reply/zeromq_inproc", zmq_request_reply);
#endif
  return lockstep::bench::run_registered(argc, argv);
}
