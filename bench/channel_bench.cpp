// channel: the bounded Channel against the bounded blocking queues a user would otherwise
// pick. Capacity 1024, int items; each consumer receives exactly its share of the items
// (no sentinel values), so every implementation moves the same items the same way.

#include <benchmark/benchmark.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

#include "bench_common.hpp"
#include "channel.hpp"

#if LOCKSTEP_HAVE_TBB
#include <tbb/concurrent_queue.h>
#endif
#if LOCKSTEP_HAVE_BOOST_FIBER
#include <boost/fiber/buffered_channel.hpp>
#endif
#if LOCKSTEP_HAVE_MOODYCAMEL
#include <concurrentqueue/blockingconcurrentqueue.h>
#include <concurrentqueue/lightweightsemaphore.h>
#endif

namespace {

constexpr std::size_t kCapacity = 1024;
constexpr int kItems = 200'000;  // per iteration, all producers together

class LockstepQueue {
 public:
  LockstepQueue() : channel_(kCapacity) {}
  void push(int value) { channel_.send(value); }
  int pop() { return channel_.recv().value_or(-1); }

 private:
  lockstep::channel::Channel<int> channel_;
};

// What a user writes by hand: one mutex, two condition variables.
class MutexQueue {
 public:
  void push(int value) {
    {
      std::unique_lock lock(mutex_);
      not_full_.wait(lock, [this] { return queue_.size() < kCapacity; });
      queue_.push_back(value);
    }
    not_empty_.notify_one();
  }
  int pop() {
    int value = 0;
    {
      std::unique_lock lock(mutex_);
      not_empty_.wait(lock, [this] { return !queue_.empty(); });
      value = queue_.front();
      queue_.pop_front();
    }
    not_full_.notify_one();
    return value;
  }

 private:
  std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<int> queue_;
};

#if LOCKSTEP_HAVE_TBB
class TbbQueue {
 public:
  TbbQueue() { queue_.set_capacity(kCapacity); }
  void push(int value) { queue_.push(value); }
  int pop() {
    int value = 0;
    queue_.pop(value);
    return value;
  }

 private:
  tbb::concurrent_bounded_queue<int> queue_;
};
#endif

#if LOCKSTEP_HAVE_BOOST_FIBER
class BoostQueue {
 public:
  // buffered_channel needs a power of two; it holds capacity - 1 items.
  BoostQueue() : channel_(kCapacity) {}
  void push(int value) { channel_.push(value); }
  int pop() {
    int value = 0;
    channel_.pop(value);
    return value;
  }

 private:
  boost::fibers::buffered_channel<int> channel_;
};
#endif

#if LOCKSTEP_HAVE_MOODYCAMEL
// moodycamel's queue is unbounded; a semaphore of free slots bounds it.
class MoodycamelQueue {
 public:
  MoodycamelQueue() : slots_(static_cast<moodycamel::LightweightSemaphore::ssize_t>(kCapacity)) {}
  void push(int value) {
    slots_.wait();
    queue_.enqueue(value);
  }
  int pop() {
    int value = 0;
    queue_.wait_dequeue(value);
    slots_.signal();
    return value;
  }

 private:
  moodycamel::LightweightSemaphore slots_;
  moodycamel::BlockingConcurrentQueue<int> queue_;
};
#endif

template <class Queue>
void transfer(benchmark::State& state, int producers, int consumers) {
  for (auto _ : state) {
    Queue queue;
    const double seconds = lockstep::bench::run_on_threads(producers + consumers, [&](int i) {
      if (i < producers) {
        for (int n = 0; n < kItems / producers; ++n) {
          queue.push(n);
        }
      } else {
        std::int64_t sum = 0;
        for (int n = 0; n < kItems / consumers; ++n) {
          sum += queue.pop();
        }
        benchmark::DoNotOptimize(sum);
      }
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * kItems);
}

template <class Queue>
void add(const char* impl) {
  benchmark::RegisterBenchmark((std::string("spsc_1p1c/") + impl).c_str(),
                               [](benchmark::State& s) { transfer<Queue>(s, 1, 1); })
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark((std::string("mpmc_2p2c/") + impl).c_str(),
                               [](benchmark::State& s) { transfer<Queue>(s, 2, 2); })
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
  add<LockstepQueue>("lockstep");
  add<MutexQueue>("mutex_2cv");
#if LOCKSTEP_HAVE_TBB
  add<TbbQueue>("tbb_concurrent_bounded_queue");
#endif
#if LOCKSTEP_HAVE_BOOST_FIBER
  add<BoostQueue>("boost_fibers_buffered_channel");
#endif
#if LOCKSTEP_HAVE_MOODYCAMEL
  add<MoodycamelQueue>("moodycamel_semaphore_bound");
#endif
  return lockstep::bench::run_registered(argc, argv);
}
