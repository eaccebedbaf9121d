// Every SSPI call runs on a libuv worker thread, never on the JavaScript thread: a
// PromiseWorker is built from two lambdas, the work (no napi calls allowed there) and the
// completion (back on the JavaScript thread, builds the value the promise resolves with).
#pragma once

#include <exception>
#include <functional>
#include <utility>

#include <napi.h>

namespace credssp {

class PromiseWorker : public Napi::AsyncWorker {
 public:
  using Work = std::function<void()>;
  using Complete = std::function<Napi::Value(Napi::Env)>;

  // Queues the work and returns the promise it settles.
  static Napi::Promise Start(Napi::Env env, const char* name, Work work, Complete complete) {
    auto* worker = new PromiseWorker(env, name, std::move(work), std::move(complete));
    Napi::Promise promise = worker->deferred_.Promise();
    worker->Queue();  // the AsyncWorker deletes itself after OnOK/OnError
    return promise;
  }

 protected:
  void Execute() override {
    // An exception must not escape a libuv thread (that would abort the process).
    try {
      work_();
    } catch (const std::exception& error) {
      SetError(error.what());
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Value value;
    try {
      value = complete_(env);
    } catch (const Napi::Error& error) {
      deferred_.Reject(error.Value());
      return;
    }
    deferred_.Resolve(value);
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  PromiseWorker(Napi::Env env, const char* name, Work work, Complete complete)
      : Napi::AsyncWorker(env, name),
        deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)),
        complete_(std::move(complete)) {}

  Napi::Promise::Deferred deferred_;
  Work work_;
  Complete complete_;
};

}  // namespace credssp
