#pragma once

// lockstep::actor — an M:N actor system: any number of actors run on a fixed pool of
// threads; each actor handles one message at a time, so its state needs no lock.
//
// Reference solution: every actor has a mailbox guarded by its own mutex and a
// `scheduled_` flag kept under that same mutex. The flag is true from the moment the
// actor is put on the shared run queue until a worker finds its mailbox empty and, in
// the SAME critical section, clears it. A sender that finds the flag false sets it and
// queues the actor; a sender that finds it true knows a worker will see its message.
// Because "mailbox empty" and "not scheduled" change together, no message can slip in
// between them (lost schedule), and no actor is ever on the run queue twice (two
// receives at once).

#include <atomic>
#include <chrono>
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
// (Given: this part is plumbing, not the lesson.)
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

namespace detail {
class Core;
template <class Message>
class Cell;
}  // namespace detail

// A typed handle to an actor. Cheap to copy; may be used from any thread, also from
// inside actors, and may outlive the system (messages then go to dead letters).
template <class Message>
class ActorRef {
 public:
  ActorRef() = default;  // refers to no actor; tell and ask need a ref from spawn or self

  // Fire and forget: queues the message and returns at once; never blocks on the actor.
  // Messages from one sender to one actor are received in the order they were told.
  // A message to a stopped actor, or told after shutdown() began, is a dead letter.
  void tell(Message message) const;

  // Sends make_message(reply_to) and returns the future the actor completes with
  // reply_to.reply(value). Never blocks.
  template <class Reply, class MakeMessage>
  std::future<Reply> ask(MakeMessage&& make_message) const;

  explicit operator bool() const noexcept { return cell_ != nullptr; }
  friend bool operator==(const ActorRef&, const ActorRef&) = default;

 private:
  friend class detail::Core;
  friend class Context<Message>;
  explicit ActorRef(std::shared_ptr<detail::Cell<Message>> cell) : cell_(std::move(cell)) {}
  std::shared_ptr<detail::Cell<Message>> cell_;
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
  [[nodiscard]] ActorRef<Message> self() const;

  // Spawns a child; this actor is its parent and chooses its supervision strategy.
  template <Actor A, class... Args>
  ActorRef<typename A::Message> spawn(Args&&... args);
  template <Actor A, class... Args>
  ActorRef<typename A::Message> spawn_supervised(Supervision strategy, Args&&... args);

  // Stops this actor once the current receive returns: every message still queued, and
  // every later one, becomes a dead letter.
  void stop() noexcept { stop_requested_ = true; }

 private:
  friend class detail::Cell<Message>;
  explicit Context(detail::Cell<Message>& cell) : cell_(cell) {}
  detail::Cell<Message>& cell_;
  bool stop_requested_ = false;
};

// A fixed pool of threads running any number of actors.
class ActorSystem {
 public:
  // Starts `threads` worker threads. Throws std::invalid_argument when threads is 0.
  explicit ActorSystem(std::size_t threads);
  // Shuts down (see shutdown()).
  ~ActorSystem();
  ActorSystem(const ActorSystem&) = delete;
  ActorSystem& operator=(const ActorSystem&) = delete;
  ActorSystem(ActorSystem&&) = delete;
  ActorSystem& operator=(ActorSystem&&) = delete;

  // Constructs A(args...) now, on the calling thread (its exceptions reach the caller),
  // and returns its ref. Top-level actors are supervised by the system: spawn restarts
  // them when receive throws; spawn_supervised lets the caller choose. A restart builds a
  // fresh A from copies of the same args. Any thread may spawn.
  template <Actor A, class... Args>
  ActorRef<typename A::Message> spawn(Args&&... args);
  template <Actor A, class... Args>
  ActorRef<typename A::Message> spawn_supervised(Supervision strategy, Args&&... args);

  // Processes every message told before the call (and waits for the receives it
  // causes), then stops every actor and joins the threads. Messages told from the moment
  // it begins are dead letters. Idempotent; concurrent calls all return once it is done.
  // Must not be called from inside an actor (throws std::logic_error).
  void shutdown();

  // Messages that reached no receive: told to a stopped actor, queued when an actor
  // stopped, or told after shutdown began.
  [[nodiscard]] std::size_t dead_letters() const;
  // How many times an actor was replaced by a fresh instance after receive threw.
  [[nodiscard]] std::size_t restarts() const;

 private:
  std::shared_ptr<detail::Core> core_;
};

// ---------------------------------------------------------------------------------------
// Implementation

namespace detail {

// The type-erased face of an actor's cell that the scheduler needs.
class CellBase : public std::enable_shared_from_this<CellBase> {
 public:
  CellBase() = default;
  CellBase(const CellBase&) = delete;
  CellBase& operator=(const CellBase&) = delete;
  CellBase(CellBase&&) = delete;
  CellBase& operator=(CellBase&&) = delete;
  virtual ~CellBase() = default;

  // Runs at most `budget` messages on the calling worker. Returns true when messages are
  // left: the actor is still scheduled and the worker must queue it again.
  virtual bool run(std::size_t budget) = 0;
  // Shutdown, after the workers are joined: destroys the actor instance (breaking cycles
  // of refs held by actors) and dead-letters anything left.
  virtual void close() noexcept = 0;
};

class Core : public std::enable_shared_from_this<Core> {
 public:
  explicit Core(std::size_t threads);
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;
  Core(Core&&) = delete;
  Core& operator=(Core&&) = delete;
  ~Core() = default;

  template <Actor A, class... Args>
  ActorRef<typename A::Message> spawn(Supervision strategy, Args&&... args);

  // A sender asks to enqueue one message. True: the message is counted as pending and
  // must end in message_done or dead_letter_pending. False: it is a dead letter already.
  bool admit() {
    // seq_cst on both (Dekker with shutdown): either this load sees accepting_ false, or
    // shutdown's load of pending_ sees this increment and waits for the message.
    pending_.fetch_add(1, std::memory_order_seq_cst);
    if (accepting_.load(std::memory_order_seq_cst)) {
      return true;
    }
    dead_letters_.fetch_add(1);
    message_done(1);
    return false;
  }
  void dead_letter_pending(std::size_t count) {
    dead_letters_.fetch_add(count);
    message_done(count);
  }
  void message_done(std::size_t count) {
    if (count != 0 && pending_.fetch_sub(count) == count) {
      // The shutdown waiter checks pending_ under drain_mutex_: taking it here means the
      // waiter is either before its check (and will see 0) or inside wait (and is woken).
      { const std::lock_guard lock(drain_mutex_); }
      drained_.notify_all();
    }
  }
  void dead_letter() { dead_letters_.fetch_add(1); }
  void restarted() { restarts_.fetch_add(1); }

  // Puts a cell whose scheduled flag this thread just set on the run queue. Nobody waits
  // to be told: an idle worker finds it the next time it looks.
  void schedule(std::shared_ptr<CellBase> cell) {
    const std::lock_guard lock(queue_mutex_);
    run_queue_.push_back(std::move(cell));
  }

  void shutdown();
  [[nodiscard]] std::size_t dead_letters() const { return dead_letters_.load(); }
  [[nodiscard]] std::size_t restarts() const { return restarts_.load(); }

 private:
  static constexpr std::size_t kBudget = 32;  // messages per turn, for fairness
  // How long an idle worker naps before it looks at the run queue again.
  static constexpr std::chrono::microseconds kIdlePoll{200};

  void work();
  void enrol(const std::shared_ptr<CellBase>& cell);

  std::mutex queue_mutex_;
  std::deque<std::shared_ptr<CellBase>> run_queue_;  // guarded by queue_mutex_
  bool stopping_ = false;                            // guarded by queue_mutex_
  std::vector<std::thread> workers_;

  std::atomic<bool> accepting_{true};
  std::atomic<std::size_t> pending_{0};  // admitted messages not yet received or dropped
  std::mutex drain_mutex_;
  std::condition_variable drained_;

  std::atomic<std::size_t> dead_letters_{0};
  std::atomic<std::size_t> restarts_{0};

  std::mutex registry_mutex_;
  std::vector<std::weak_ptr<CellBase>> registry_;  // guarded by registry_mutex_
  std::size_t prune_at_ = 1024;                    // guarded by registry_mutex_
  bool closed_ = false;                            // guarded by registry_mutex_

  std::mutex shutdown_mutex_;
  bool shut_down_ = false;  // guarded by shutdown_mutex_
};

// The worker's own system, so shutdown() from inside an actor is refused instead of
// joining itself.
inline thread_local const Core* current_core = nullptr;

// Holds one instance of an actor type behind the message type.
template <class Message>
class Behavior {
 public:
  Behavior() = default;
  Behavior(const Behavior&) = delete;
  Behavior& operator=(const Behavior&) = delete;
  Behavior(Behavior&&) = delete;
  Behavior& operator=(Behavior&&) = delete;
  virtual ~Behavior() = default;
  virtual void receive(Message message, Context<Message>& ctx) = 0;
};

template <Actor A>
class BehaviorOf final : public Behavior<typename A::Message> {
 public:
  template <class... Args>
  explicit BehaviorOf(Args&... args) : actor_(construct(args...)) {}
  void receive(typename A::Message message, Context<typename A::Message>& ctx) override {
    actor_.receive(std::move(message), ctx);
  }

 private:
  // A(args...) when A has such a constructor, else aggregate initialisation A{args...}.
  template <class... Args>
  static A construct(Args&... args) {
    if constexpr (std::is_constructible_v<A, Args&...>) {
      return A(args...);
    } else {
      return A{args...};
    }
  }

  A actor_;
};

template <class Message>
class Cell final : public CellBase {
 public:
  using Factory = std::function<std::unique_ptr<Behavior<Message>>()>;

  Cell(std::shared_ptr<Core> core, Factory factory, Supervision strategy)
      : core_(std::move(core)),
        factory_(std::move(factory)),
        strategy_(strategy),
        instance_(factory_()) {}

  void tell(Message message) {
    if (!core_->admit()) {
      return;
    }
    bool stopped = false;
    bool must_schedule = false;
    {
      const std::lock_guard lock(mutex_);
      stopped = stopped_;
      if (!stopped) {
        mailbox_.push_back(std::move(message));
        // The actor is idle exactly when scheduled_ is false; then this sender owns the
        // job of queueing it. Otherwise the worker that has it will find this message.
        must_schedule = !scheduled_;
        scheduled_ = true;
      }
    }
    if (stopped) {
      core_->dead_letter_pending(1);
    } else if (must_schedule) {
      core_->schedule(shared_from_this());
    }
  }

  bool run(std::size_t budget) override {
    bool again = true;
    for (std::size_t done = 0; done < budget && again; ++done) {
      std::unique_lock lock(mutex_);
      if (mailbox_.empty()) {
        scheduled_ = false;  // the same critical section that saw the mailbox empty
        again = false;
        break;
      }
      Message message = std::move(mailbox_.front());
      mailbox_.pop_front();
      lock.unlock();
      again = deliver(std::move(message));
    }
    if (again) {
      const std::lock_guard lock(mutex_);
      if (mailbox_.empty()) {
        scheduled_ = false;
        again = false;
      }
    }
    return again;
  }

  void close() noexcept override {
    std::deque<Message> left;
    std::unique_ptr<Behavior<Message>> instance;
    {
      const std::lock_guard lock(mutex_);
      stopped_ = true;
      left.swap(mailbox_);
      instance.swap(instance_);
    }
    core_->dead_letter_pending(left.size());
  }

  std::shared_ptr<Core> core() const { return core_; }

 private:
  friend class Context<Message>;

  // Runs one message through receive and applies the supervision strategy. Returns false
  // when the actor stopped.
  bool deliver(Message message) {
    Context<Message> ctx(*this);
    bool failed = false;
    try {
      instance_->receive(std::move(message), ctx);
    } catch (...) {
      failed = true;
    }
    bool keep_running = !ctx.stop_requested_;
    if (failed && keep_running) {
      if (strategy_ == Supervision::restart) {
        instance_.reset();
        try {
          instance_ = factory_();
          core_->restarted();
        } catch (...) {
          keep_running = false;  // a constructor that throws cannot be restarted
        }
      } else {
        keep_running = false;
      }
    }
    if (!keep_running) {
      stop_here();
    }
    core_->message_done(1);
    return keep_running;
  }

  // Called on the worker that runs the actor: the actor stops for good.
  void stop_here() {
    std::deque<Message> left;
    std::unique_ptr<Behavior<Message>> instance;
    {
      const std::lock_guard lock(mutex_);
      stopped_ = true;
      scheduled_ = false;  // never queued again: tell sees stopped_ first
      left.swap(mailbox_);
      instance.swap(instance_);
    }
    core_->dead_letter_pending(left.size());
  }

  const std::shared_ptr<Core> core_;
  const Factory factory_;
  const Supervision strategy_;
  std::unique_ptr<Behavior<Message>> instance_;  // touched only by the scheduled worker

  std::mutex mutex_;
  std::deque<Message> mailbox_;  // guarded by mutex_
  bool scheduled_ = false;       // guarded by mutex_: queued or running
  bool stopped_ = false;         // guarded by mutex_
};

inline Core::Core(std::size_t threads) {
  if (threads == 0) {
    throw std::invalid_argument("ActorSystem: needs at least one thread");
  }
  workers_.reserve(threads);
  try {
    for (std::size_t i = 0; i < threads; ++i) {
      workers_.emplace_back([this] { work(); });
    }
  } catch (...) {
    {
      const std::lock_guard lock(queue_mutex_);
      stopping_ = true;
    }
    for (auto& worker : workers_) {
      worker.join();
    }
    throw;
  }
}

inline void Core::work() {
  current_core = this;
  std::unique_lock lock(queue_mutex_);
  for (;;) {
    if (stopping_) {
      return;
    }
    if (run_queue_.empty()) {
      // Nothing to run: nap briefly and look again. Nobody wakes a napping worker, so an
      // actor queued meanwhile waits for the nap to end.
      lock.unlock();
      std::this_thread::sleep_for(kIdlePoll);
      lock.lock();
      continue;
    }
    auto cell = std::move(run_queue_.front());
    run_queue_.pop_front();
    lock.unlock();
    const bool again = cell->run(kBudget);
    lock.lock();
    if (again) {
      run_queue_.push_back(std::move(cell));  // still scheduled: nobody else queues it
    }
  }
}

inline void Core::enrol(const std::shared_ptr<CellBase>& cell) {
  bool too_late = false;
  {
    const std::lock_guard lock(registry_mutex_);
    if (closed_) {
      too_late = true;
    } else {
      if (registry_.size() >= prune_at_) {
        std::erase_if(registry_, [](const auto& entry) { return entry.expired(); });
        prune_at_ = 2 * registry_.size() + 1024;
      }
      registry_.push_back(cell);
    }
  }
  if (too_late) {
    cell->close();  // spawned after shutdown: born stopped
  }
}

template <Actor A, class... Args>
ActorRef<typename A::Message> Core::spawn(Supervision strategy, Args&&... args) {
  using Message = typename A::Message;
  // The factory keeps copies of the arguments: a restart builds the fresh instance from
  // the same values.
  typename Cell<Message>::Factory factory =
      [... copies = std::decay_t<Args>(std::forward<Args>(args))]() mutable {
        return std::unique_ptr<Behavior<Message>>(std::make_unique<BehaviorOf<A>>(copies...));
      };
  // Cells keep their Core alive, so a ref that outlives the ActorSystem stays safe to
  // use (everything told through it is a dead letter).
  auto cell = std::make_shared<Cell<Message>>(shared_from_this(), std::move(factory), strategy);
  enrol(cell);
  return ActorRef<Message>(std::move(cell));
}

inline void Core::shutdown() {
  if (current_core == this) {
    throw std::logic_error("ActorSystem::shutdown called from inside an actor");
  }
  const std::lock_guard guard(shutdown_mutex_);
  if (shut_down_) {
    return;
  }
  // From here every tell is a dead letter (see admit); wait for the admitted ones.
  accepting_.store(false, std::memory_order_seq_cst);
  {
    std::unique_lock lock(drain_mutex_);
    drained_.wait(lock, [this] { return pending_.load(std::memory_order_seq_cst) == 0; });
  }
  {
    const std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  for (auto& worker : workers_) {
    worker.join();
  }
  {
    const std::lock_guard lock(queue_mutex_);
    run_queue_.clear();
  }
  std::vector<std::weak_ptr<CellBase>> cells;
  {
    const std::lock_guard lock(registry_mutex_);
    closed_ = true;
    cells.swap(registry_);
  }
  for (const auto& entry : cells) {
    if (auto cell = entry.lock()) {
      cell->close();
    }
  }
  shut_down_ = true;
}

}  // namespace detail

template <class Message>
void ActorRef<Message>::tell(Message message) const {
  cell_->tell(std::move(message));
}

template <class Message>
template <class Reply, class MakeMessage>
std::future<Reply> ActorRef<Message>::ask(MakeMessage&& make_message) const {
  auto created = ReplyTo<Reply>::create();
  tell(std::invoke(std::forward<MakeMessage>(make_message), std::move(created.first)));
  return std::move(created.second);
}

template <class Message>
ActorRef<Message> Context<Message>::self() const {
  return ActorRef<Message>(
      std::static_pointer_cast<detail::Cell<Message>>(cell_.shared_from_this()));
}

template <class Message>
template <Actor A, class... Args>
ActorRef<typename A::Message> Context<Message>::spawn(Args&&... args) {
  return cell_.core()->template spawn<A>(Supervision::restart, std::forward<Args>(args)...);
}

template <class Message>
template <Actor A, class... Args>
ActorRef<typename A::Message> Context<Message>::spawn_supervised(Supervision strategy,
                                                                 Args&&... args) {
  return cell_.core()->template spawn<A>(strategy, std::forward<Args>(args)...);
}

inline ActorSystem::ActorSystem(std::size_t threads)
    : core_(std::make_shared<detail::Core>(threads)) {}

inline ActorSystem::~ActorSystem() {
  core_->shutdown();
}

template <Actor A, class... Args>
ActorRef<typename A::Message> ActorSystem::spawn(Args&&... args) {
  return core_->spawn<A>(Supervision::restart, std::forward<Args>(args)...);
}

template <Actor A, class... Args>
ActorRef<typename A::Message> ActorSystem::spawn_supervised(Supervision strategy, Args&&... args) {
  return core_->spawn<A>(strategy, std::forward<Args>(args)...);
}

inline void ActorSystem::shutdown() {
  core_->shutdown();
}
inline std::size_t ActorSystem::dead_letters() const {
  return core_->dead_letters();
}
inline std::size_t ActorSystem::restarts() const {
  return core_->restarts();
}

}  // namespace lockstep::actor
