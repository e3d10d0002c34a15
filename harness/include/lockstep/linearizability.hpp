#pragma once

// A linearizability checker for small concurrent histories of a bounded FIFO queue
// (Wing & Gong search with memoisation of visited states).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lockstep::lin {

enum class QueueOpKind {
  send,      // blocking send: ok means accepted (false: closed; keep close out of histories)
  try_send,  // ok means accepted; !ok means the queue was full
  recv,      // blocking receive: ok with the value received
  try_recv,  // ok with the value received; !ok means the queue was empty
};

struct QueueEvent {
  QueueOpKind kind{};
  std::int64_t value = 0;  // the value sent, or the value received when ok
  bool ok = false;
  std::uint64_t invoked = 0;   // logical time just before the call
  std::uint64_t returned = 0;  // logical time just after it returned
};

// Records events from several threads without locks: thread i appends to its own list.
class QueueHistory {
 public:
  explicit QueueHistory(std::size_t threads);
  std::uint64_t now();  // a tick of the shared logical clock
  void record(std::size_t thread, const QueueEvent& event);
  std::vector<QueueEvent> events() const;  // all threads' events; call after joining them

 private:
  std::atomic<std::uint64_t> clock_{0};
  std::vector<std::vector<QueueEvent>> per_thread_;
};

struct Verdict {
  bool linearizable = true;
  std::string explanation;  // when not: the history, one event per line, in call order
};

// Is there an order of the events, consistent with real time (a before b when a returned
// before b was invoked), in which a bounded FIFO queue of `capacity` gives every result?
Verdict check_bounded_fifo(const std::vector<QueueEvent>& events, std::size_t capacity);

}  // namespace lockstep::lin
