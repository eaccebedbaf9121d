// SecBufferDesc marshalling: JavaScript {type, buffer} arrays in, copies the worker thread
// owns; package-allocated output copied out and handed back with FreeContextBuffer.
#pragma once

#include "sspi.h"

#include <cstdint>
#include <vector>

#include <napi.h>

namespace credssp {

// One buffer copied out of SSPI memory, ready to become {type, buffer} in JavaScript.
struct CopiedBuffer {
  unsigned long type;
  std::vector<uint8_t> data;
};

// Input buffers copied from JavaScript, so the worker thread never touches JavaScript memory.
// The package may rewrite the descriptor (EMPTY becomes SECBUFFER_MISSING or SECBUFFER_EXTRA).
class InputBuffers {
 public:
  // Throws a TypeError unless the value is an array of {type: number, buffer: Buffer}.
  static InputBuffers FromJs(Napi::Value value);
  InputBuffers() = default;
  InputBuffers(InputBuffers&& other) noexcept { *this = std::move(other); }
  InputBuffers& operator=(InputBuffers&& other) noexcept;
  InputBuffers(const InputBuffers&) = delete;
  InputBuffers& operator=(const InputBuffers&) = delete;

  // Null when there are no buffers (the reference's first ISC call passes no input).
  SecBufferDesc* Desc();
  // After a call: what SECBUFFER_MISSING says is still to read, and the bytes SECBUFFER_EXTRA
  // says were not consumed (the tail of the TOKEN input, per the reference).
  bool Missing(unsigned long* count) const;
  bool Extra(std::vector<uint8_t>* tail) const;

 private:
  std::vector<std::vector<uint8_t>> storage_;
  std::vector<SecBuffer> buffers_;
  SecBufferDesc desc_{};
};

// One SECBUFFER_TOKEN for the package to allocate (ISC_REQ_ALLOCATE_MEMORY/ASC_REQ_ALLOCATE_MEMORY).
class AllocatedOutput {
 public:
  AllocatedOutput();
  ~AllocatedOutput();
  AllocatedOutput(const AllocatedOutput&) = delete;
  AllocatedOutput& operator=(const AllocatedOutput&) = delete;

  SecBufferDesc* Desc() { return &desc_; }
  // Copies every buffer the package filled and frees its memory with FreeContextBuffer.
  std::vector<CopiedBuffer> TakeAll();

 private:
  SecBuffer buffers_[1];
  SecBufferDesc desc_;
};

Napi::Array CopiedBuffersToJs(Napi::Env env, const std::vector<CopiedBuffer>& buffers);

}  // namespace credssp
