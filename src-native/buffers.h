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

// The one SECBUFFER_TOKEN output of ISC/ASC. Either the package allocates it
// (ISC_REQ_ALLOCATE_MEMORY / ASC_REQ_ALLOCATE_MEMORY, then freed with FreeContextBuffer after
// copying) or we pass a buffer of the package's cbMaxToken bytes.
class OutputToken {
 public:
  // callerBytes == 0: the package allocates.
  explicit OutputToken(unsigned long callerBytes);
  ~OutputToken();
  OutputToken(const OutputToken&) = delete;
  OutputToken& operator=(const OutputToken&) = delete;

  SecBufferDesc* Desc() { return &desc_; }
  // Copies what the package wrote and frees package memory. The buffer is reported as TOKEN,
  // the role of its slot: Wine's NTLM acceptor retypes it SECBUFFER_DATA.
  std::vector<CopiedBuffer> Take();

 private:
  bool packageAllocates_;
  std::vector<uint8_t> callerMemory_;
  SecBuffer buffer_;
  SecBufferDesc desc_;
};

Napi::Array CopiedBuffersToJs(Napi::Env env, const std::vector<CopiedBuffer>& buffers);

}  // namespace credssp
