// The release thread (see reaper.h).
#include "reaper.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace credssp {

namespace {

struct ReleaseQueue {
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<std::function<void()>> tasks;
};

// Made once and never destroyed: the detached thread may still wait on it while static
// destructors run at process exit (the system closes every handle of the process then anyway).
ReleaseQueue& Queue() {
  static ReleaseQueue* queue = [] {
    auto* made = new ReleaseQueue();
    std::thread([made] {
      for (;;) {
        std::function<void()> task;
        {
          std::unique_lock<std::mutex> lock(made->mutex);
          made->ready.wait(lock, [made] { return !made->tasks.empty(); });
          task = std::move(made->tasks.front());
          made->tasks.pop_front();
        }
        // A failing release has nobody to report to; it must not end the thread.
        try {
          task();
        } catch (...) {
        }
      }
    }).detach();
    return made;
  }();
  return *queue;
}

}  // namespace

void PostRelease(std::function<void()> task) {
  ReleaseQueue& queue = Queue();
  {
    std::lock_guard<std::mutex> lock(queue.mutex);
    queue.tasks.push_back(std::move(task));
  }
  queue.ready.notify_one();
}

}  // namespace credssp
