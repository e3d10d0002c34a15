// RwLock: readers share, writers exclude everyone, and neither side starves the other.

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "sync_test_support.hpp"

namespace lockstep::sync {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using sync_test::eventually;
using sync_test::kGenerous;
using sync_test::Probe;

TEST(SyncRwLock, ReadersHoldTheLockTogether) {
  constexpr std::size_t kReaders = 3;
  RwLock lock;
  std::atomic<std::size_t> inside{0};
  std::atomic<std::size_t> met{0};
  stress::run_threads(kReaders, [&](std::size_t) {
    const std::shared_lock guard(lock);
    inside.fetch_add(1);
    if (eventually([&] { return inside.load() == kReaders; }, kGenerous)) {
      met.fetch_add(1);
    }
  });
  EXPECT_EQ(met.load(), kReaders) << "readers could not hold the lock at the same time";
}

TEST(SyncRwLock, TryCallsRespectTheHolders) {
  RwLock lock;
  bool result = false;
  auto from_another_thread = [&](auto call) {
    Probe other([&] { result = call(); });
    other.join();
    return result;
  };
  lock.lock_shared();
  EXPECT_TRUE(from_another_thread([&] {
    const bool ok = lock.try_lock_shared();
    if (ok) {
      lock.unlock_shared();
    }
    return ok;
  })) << "try_lock_shared failed while only readers held the lock";
  EXPECT_FALSE(from_another_thread([&] { return lock.try_lock(); }))
      << "try_lock succeeded while a reader held the lock";
  lock.unlock_shared();
  lock.lock();
  EXPECT_FALSE(from_another_thread([&] { return lock.try_lock_shared(); }))
      << "try_lock_shared succeeded while a writer held the lock";
  EXPECT_FALSE(from_another_thread([&] { return lock.try_lock(); }))
      << "try_lock succeeded while a writer held the lock";
  lock.unlock();
  EXPECT_TRUE(from_another_thread([&] {
    const bool ok = lock.try_lock();
    if (ok) {
      lock.unlock();
    }
    return ok;
  })) << "try_lock failed on a free lock";
}

// Writers keep a plain pair equal; readers must never see it half-written, and every
// write must count. A missing happens-before edge is a data race TSan reports.
TEST(SyncRwLock, WritersExcludeEveryoneAndReadersSeeWholeWrites) {
  constexpr std::size_t kWriters = 2;
  constexpr std::size_t kReaders = 3;
  const std::size_t per_writer = stress::scaled(8000);
  const std::size_t per_reader = stress::scaled(16000);
  const std::uint64_t seed = stress::seed();
  RwLock lock;
  std::int64_t first = 0;   // guarded by lock
  std::int64_t second = 0;  // guarded by lock; equal to first outside a write
  std::atomic<std::size_t> torn{0};
  std::atomic<std::size_t> backwards{0};
  stress::run_threads(kWriters + kReaders, [&](std::size_t index) {
    stress::Noise noise(seed ^ (index * 0x9e3779b97f4a7c15ULL), 10);
    if (index < kWriters) {
      for (std::size_t i = 0; i < per_writer; ++i) {
        auto write = [&] {
          first = first + 1;
          noise();
          second = first;
        };
        if (i % 2 == 0) {
          const std::lock_guard guard(lock);
          write();
        } else {
          while (!lock.try_lock()) {
            std::this_thread::yield();
          }
          write();
          lock.unlock();
        }
      }
      return;
    }
    std::int64_t last = 0;
    for (std::size_t i = 0; i < per_reader; ++i) {
      std::int64_t a = 0;
      std::int64_t b = 0;
      auto read = [&] {
        a = first;
        noise();
        b = second;
      };
      if (i % 2 == 0) {
        const std::shared_lock guard(lock);
        read();
      } else {
        while (!lock.try_lock_shared()) {
          std::this_thread::yield();
        }
        read();
        lock.unlock_shared();
      }
      if (a != b) {
        torn.fetch_add(1);
      }
      if (a < last) {
        backwards.fetch_add(1);
      }
      last = a;
    }
  });
  EXPECT_EQ(torn.load(), 0U) << "a reader saw a write half done: a writer shared the lock";
  EXPECT_EQ(backwards.load(), 0U) << "a reader saw the data go back in time";
  EXPECT_EQ(first, static_cast<std::int64_t>(kWriters * per_writer))
      << "writes were lost: two writers held the lock at once";
}

TEST(SyncRwLock, BlockedWriterWakesWhenTheLastReaderLeaves) {
  RwLock lock;
  lock.lock_shared();
  lock.lock_shared();  // two shares held by this thread (the lock does not track owners)
  Probe writer([&] { const std::lock_guard guard(lock); });
  writer.wait_until_blocked();
  EXPECT_FALSE(writer.finished()) << "a writer got in while readers held the lock";
  lock.unlock_shared();
  writer.wait_until_blocked();
  EXPECT_FALSE(writer.finished()) << "a writer got in while a reader still held the lock";
  lock.unlock_shared();
  writer.join();  // a last reader that wakes nobody hangs here
}

TEST(SyncRwLock, EveryBlockedReaderWakesWhenTheWriterLeaves) {
  constexpr std::size_t kReaders = 3;
  RwLock lock;
  lock.lock();
  std::vector<std::unique_ptr<Probe>> readers;
  readers.reserve(kReaders);
  for (std::size_t i = 0; i < kReaders; ++i) {
    readers.push_back(std::make_unique<Probe>([&] { const std::shared_lock guard(lock); }));
  }
  for (auto& reader : readers) {
    reader->wait_until_blocked();
    EXPECT_FALSE(reader->finished()) << "a reader got in while a writer held the lock";
  }
  lock.unlock();
  for (auto& reader : readers) {
    reader->join();  // a reader nobody wakes hangs here
  }
}

// No writer starvation, step by step: once a writer waits, a reader that arrives after it
// must wait too, even though only readers hold the lock.
TEST(SyncRwLock, ReaderArrivingBehindAWaitingWriterWaitsForIt) {
  RwLock lock;
  lock.lock_shared();
  std::atomic<int> order{0};
  int writer_turn = 0;  // each written by its own thread, read after join
  int reader_turn = 0;
  Probe writer([&] {
    const std::lock_guard guard(lock);
    writer_turn = order.fetch_add(1) + 1;
  });
  writer.wait_until_blocked();
  Probe reader([&] {
    const std::shared_lock guard(lock);
    reader_turn = order.fetch_add(1) + 1;
  });
  reader.wait_until_blocked();
  EXPECT_FALSE(reader.finished())
      << "a reader walked past a waiting writer: a stream of readers would starve it";
  lock.unlock_shared();
  writer.join();
  reader.join();
  EXPECT_EQ(writer_turn, 1) << "the waiting writer should get in before the later reader";
  EXPECT_EQ(reader_turn, 2);
}

// No reader starvation, step by step: readers that waited through a write phase get in
// before a writer that arrived after them.
TEST(SyncRwLock, ReadersWaitingThroughAWritePhaseGoBeforeTheNextWriter) {
  RwLock lock;
  lock.lock();
  std::atomic<int> order{0};
  int reader_turn = 0;  // each written by its own thread, read after join
  int writer_turn = 0;
  Probe reader([&] {
    const std::shared_lock guard(lock);
    reader_turn = order.fetch_add(1) + 1;
  });
  reader.wait_until_blocked();
  Probe writer([&] {
    const std::lock_guard guard(lock);
    writer_turn = order.fetch_add(1) + 1;
  });
  writer.wait_until_blocked();
  lock.unlock();
  reader.join();
  writer.join();
  EXPECT_EQ(reader_turn, 1)
      << "a writer went before a reader that had waited longer: a stream of writers would "
         "starve readers";
  EXPECT_EQ(writer_turn, 2);
}

// The starvation bound under load: readers overlap so that, at every moment, some reader
// holds the lock (each stays until a newer reader has come in, or 200 ms passed). A writer
// must get in while they keep coming. The bound is generous; a fair lock needs about one
// 200 ms hold.
TEST(SyncRwLock, WriterGetsInWhileReadersKeepArriving) {
  constexpr std::size_t kReaders = 4;
  RwLock lock;
  std::atomic<std::uint64_t> entries{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> writer_in{false};
  std::vector<std::unique_ptr<Probe>> readers;
  readers.reserve(kReaders);
  for (std::size_t i = 0; i < kReaders; ++i) {
    readers.push_back(std::make_unique<Probe>([&] {
      while (!stop.load()) {
        const std::shared_lock guard(lock);
        const std::uint64_t me = entries.fetch_add(1) + 1;
        const auto give_up = steady_clock::now() + milliseconds(200);
        while (entries.load() == me && !stop.load() && steady_clock::now() < give_up) {
          std::this_thread::yield();
        }
      }
    }));
  }
  auto readers_alive = [&] {
    for (auto& reader : readers) {
      if (reader->finished()) {
        return false;
      }
    }
    return true;
  };
  const bool streaming =
      eventually([&] { return entries.load() >= 100 || !readers_alive(); }, kGenerous);
  Probe writer([&] {
    const std::lock_guard guard(lock);
    writer_in.store(true);
  });
  writer.wait_until_blocked();
  const bool in_time = eventually([&] { return writer_in.load() || !readers_alive(); }, kGenerous);
  const bool got_in = writer_in.load();
  stop.store(true);
  for (auto& reader : readers) {
    reader->join();
  }
  writer.join();
  ASSERT_TRUE(streaming) << "the readers never got going";
  EXPECT_TRUE(in_time && got_in) << "a writer waited " << kGenerous.count()
                                 << " ms while readers kept arriving: writer starvation";
}

// The other way round: writers keep the lock busy. Each holds it until at least two other
// writers are seen asleep waiting for it (or 200 ms passed), so whenever a writer leaves,
// other writers are already waiting. A reader must still get in while they keep coming.
TEST(SyncRwLock, ReaderGetsInWhileWritersKeepArriving) {
  constexpr std::size_t kWriters = 4;
  RwLock lock;
  std::atomic<std::uint64_t> entries{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> reader_in{false};
  std::array<std::atomic<pid_t>, kWriters> tids{};
  std::vector<std::unique_ptr<Probe>> writers;
  writers.reserve(kWriters);
  for (std::size_t i = 0; i < kWriters; ++i) {
    writers.push_back(std::make_unique<Probe>([&, i] {
      tids.at(i).store(stress::current_tid());
      auto others_asleep = [&] {
        std::size_t asleep = 0;
        for (std::size_t other = 0; other < kWriters; ++other) {
          const pid_t tid = tids.at(other).load();
          if (other != i && tid != 0 && stress::wait_until_blocked(tid, milliseconds(5))) {
            ++asleep;
          }
        }
        return asleep >= 2;
      };
      while (!stop.load()) {
        const std::lock_guard guard(lock);
        entries.fetch_add(1);
        const auto give_up = steady_clock::now() + milliseconds(200);
        while (!stop.load() && steady_clock::now() < give_up && !others_asleep()) {
        }
      }
    }));
  }
  auto writers_alive = [&] {
    for (auto& writer : writers) {
      if (writer->finished()) {
        return false;
      }
    }
    return true;
  };
  const bool streaming =
      eventually([&] { return entries.load() >= 20 || !writers_alive(); }, kGenerous);
  Probe reader([&] {
    const std::shared_lock guard(lock);
    reader_in.store(true);
  });
  reader.wait_until_blocked();
  const bool in_time = eventually([&] { return reader_in.load() || !writers_alive(); }, kGenerous);
  const bool got_in = reader_in.load();
  stop.store(true);
  for (auto& writer : writers) {
    writer->join();
  }
  reader.join();
  ASSERT_TRUE(streaming) << "the writers never got going";
  EXPECT_TRUE(in_time && got_in) << "a reader waited " << kGenerous.count()
                                 << " ms while writers kept arriving: reader starvation";
}

}  // namespace
}  // namespace lockstep::sync
