#pragma once

// lockstep::actor — an M:N actor system: any number of actors run on a fixed pool of
// threads; each actor handles one message at a time, so its state needs no lock.
//
// Your task: implement every member below so that it keeps the promise written above it.
// The lesson (README.md beside this file) explains the guarantees and how they are tested.
// You own this whole file: add private members, helper classes and a `detail` namespace
// as you like, but keep the public API exactly as it is, because the tests use it.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <lockstep/not_implemented.hpp>

namespace lockstep::actor {

// What happens to an actor whose receive throws. The parent (the system for top-level
// actors, the spawning actor for children) chooses it when it spawns the actor.
enum class Supervision {
  restart,  // replace the actor by a fresh instance; its mailbox is kept
  stop,     // stop the actor; queued and later messages become dead letters
};

template <class Message>
class ActorRef;
template <class Message>
class Context;
class ActorSystem;

// An actor is a class with a `Message` type and `void receive(Message, Context<Message>&)`.
template <class A>
concept Actor = requires {
  typename A::Message;
}
&&requires(A& actor, typename A::Message message, Context<typename A::Message>& ctx) {
  actor.receive(std::move(message), ctx);
};

// The reply half of an ask: the actor calls reply(value) to complete the asker's future.
// Copyable; thread-safe; only the first reply counts. When the last copy is destroyed
// without a reply (the message went to dead letters, or receive threw), the asker's
// future ends with std::future_error (broken_promise) instead of waiting forever.
// Given: this part is plumbing, not the lesson. Use create() in ActorRef::ask.
template <class Reply>
class ReplyTo {
 public:
  static std::pair<ReplyTo, std::future<Reply>> create() {
    auto state = std::make_shared<State>();
    auto future = state->promise.get_future();
    return {ReplyTo(std::move(state)), std::move(future)};
  }

  void reply(Reply value) const {
    if (!state_->replied.exchange(true)) {
      state_->promise.set_value(std::move(value));
    }
  }

 private:
  struct State {
    std::promise<Reply> promise;
    std::atomic<bool> replied{false};
  };
  explicit ReplyTo(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

// A typed handle to an actor. Cheap to copy; may be used from any thread, also from
// inside actors, and may outlive the system (messages then go to dead letters).
template <class Message>
class ActorRef {
 public:
  ActorRef() = default;  // refers to no actor; tell and ask need a ref from spawn or self

  // Fire and forget: queues the message and returns at once; never blocks on the actor.
  // Messages from one sender to one actor are received in the order they were told.
  // A message to a stopped actor, or told after shutdown() began, is a dead letter.
  void tell(Message message) const {
    // TODO(student): put the message in the actor's mailbox; if the actor is idle (not
    // scheduled), mark it scheduled and queue it for a worker — exactly once.
    (void)message;
    throw lockstep::not_implemented("actor: ActorRef::tell");
  }

  // Sends make_message(reply_to) and returns the future the actor completes with
  // reply_to.reply(value). Never blocks.
  template <class Reply, class MakeMessage>
  std::future<Reply> ask(MakeMessage&& make_message) const {
    // TODO(student): ReplyTo<Reply>::create(), then tell the message make_message builds.
    (void)make_message;
    throw lockstep::not_implemented("actor: ActorRef::ask");
  }

  explicit operator bool() const noexcept {
    // TODO(student): true when this ref refers to an actor.
    return false;
  }
  friend bool operator==(const ActorRef&, const ActorRef&) = default;

 private:
  // TODO(student): what a ref holds (e.g. a shared_ptr to the actor's cell).
};

// What receive gets besides the message. Only valid inside that call.
template <class Message>
class Context {
 public:
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  Context(Context&&) = delete;
  Context& operator=(Context&&) = delete;
  ~Context() = default;

  // A ref to the actor being run.
  [[nodiscard]] ActorRef<Message> self() const {
    // TODO(student)
    throw lockstep::not_implemented("actor: Context::self");
  }

  // Spawns a child; this actor is its parent and chooses its supervision strategy
  // (spawn: restart).
  template <Actor A, class... Args>
  ActorRef<typename A::Message> spawn(Args&&... args) {
    // TODO(student)
    (void)sizeof...(args);
    throw lockstep::not_implemented("actor: Context::spawn");
  }
  template <Actor A, class... Args>
  ActorRef<typename A::Message> spawn_supervised(Supervision strategy, Args&&... args) {
    // TODO(student)
    (void)strategy;
    (void)sizeof...(args);
    throw lockstep::not_implemented("actor: Context::spawn_supervised");
  }

  // Stops this actor once the current receive returns: every message still queued, and
  // every later one, becomes a dead letter.
  void stop() {
    // TODO(student)
    throw lockstep::not_implemented("actor: Context::stop");
  }

 private:
  Context() = default;  // TODO(student): only your worker creates contexts
};

// A fixed pool of threads running any number of actors.
class ActorSystem {
 public:
  // Starts `threads` worker threads. Throws std::invalid_argument when threads is 0.
  explicit ActorSystem(std::size_t threads) {
    // TODO(student): start the pool. Never one thread per actor.
    (void)threads;
    throw lockstep::not_implemented("actor: ActorSystem");
  }
  // Shuts down (see shutdown()).
  ~ActorSystem() = default;  // TODO(student): shut down, join the threads
  ActorSystem(const ActorSystem&) = delete;
  ActorSystem& operator=(const ActorSystem&) = delete;
  ActorSystem(ActorSystem&&) = delete;
  ActorSystem& operator=(ActorSystem&&) = delete;

  // Constructs A(args...) now, on the calling thread (its exceptions reach the caller),
  // and returns its ref. Top-level actors are supervised by the system: spawn restarts
  // them when receive throws; spawn_supervised lets the caller choose. A restart builds a
  // fresh A from copies of the same args. Any thread may spawn.
  template <Actor A, class... Args>
  ActorRef<typename A::Message> spawn(Args&&... args) {
    // TODO(student): keep copies of args for restarts.
    (void)sizeof...(args);
    throw lockstep::not_implemented("actor: ActorSystem::spawn");
  }
  template <Actor A, class... Args>
  ActorRef<typename A::Message> spawn_supervised(Supervision strategy, Args&&... args) {
    // TODO(student)
    (void)strategy;
    (void)sizeof...(args);
    throw lockstep::not_implemented("actor: ActorSystem::spawn_supervised");
  }

  // Processes every message told before the call (and waits for the receives it
  // causes), then stops every actor and joins the threads. Messages told from the moment
  // it begins are dead letters. Idempotent; concurrent calls all return once it is done.
  // Must not be called from inside an actor (throws std::logic_error).
  void shutdown() {
    // TODO(student): stop accepting, wait until every admitted message is received or
    // dead-lettered, then stop and join the workers and destroy the actors.
    throw lockstep::not_implemented("actor: ActorSystem::shutdown");
  }

  // Messages that reached no receive: told to a stopped actor, queued when an actor
  // stopped, or told after shutdown began.
  [[nodiscard]] std::size_t dead_letters() const {
    // TODO(student)
    throw lockstep::not_implemented("actor: ActorSystem::dead_letters");
  }
  // How many times an actor was replaced by a fresh instance after receive threw.
  [[nodiscard]] std::size_t restarts() const {
    // TODO(student)
    throw lockstep::not_implemented("actor: ActorSystem::restarts");
  }

 private:
  // TODO(student): the run queue, the workers, the counters.
};

}  // namespace lockstep::actor
