// SecBufferDesc marshalling (see buffers.h).
#include "buffers.h"

namespace credssp {

InputBuffers InputBuffers::FromJs(Napi::Value value) {
  Napi::Env env = value.Env();
  InputBuffers input;
  if (value.IsUndefined() || value.IsNull()) return input;
  if (!value.IsArray()) throw Napi::TypeError::New(env, "input buffers must be an array");
  Napi::Array array = value.As<Napi::Array>();
  const uint32_t count = array.Length();
  input.storage_.reserve(count);
  input.buffers_.reserve(count);
  for (uint32_t i = 0; i < count; i++) {
    Napi::Value item = array.Get(i);
    if (!item.IsObject()) throw Napi::TypeError::New(env, "each input buffer must be {type, buffer}");
    Napi::Object entry = item.As<Napi::Object>();
    Napi::Value type = entry.Get("type");
    Napi::Value bytes = entry.Get("buffer");
    if (!type.IsNumber() || !bytes.IsBuffer()) {
      throw Napi::TypeError::New(env, "each input buffer must be {type: number, buffer: Buffer}");
    }
    Napi::Buffer<uint8_t> buffer = bytes.As<Napi::Buffer<uint8_t>>();
    input.storage_.emplace_back(buffer.Data(), buffer.Data() + buffer.Length());
    SecBuffer sec;
    sec.BufferType = type.As<Napi::Number>().Uint32Value();
    sec.cbBuffer = static_cast<unsigned long>(buffer.Length());
    // An EMPTY buffer is passed as {0, NULL}, as the reference asks.
    sec.pvBuffer = buffer.Length() == 0 ? nullptr : input.storage_.back().data();
    input.buffers_.push_back(sec);
  }
  return input;
}

InputBuffers& InputBuffers::operator=(InputBuffers&& other) noexcept {
  // Moving a std::vector keeps its heap block, so the pvBuffer pointers stay valid.
  storage_ = std::move(other.storage_);
  buffers_ = std::move(other.buffers_);
  desc_ = SecBufferDesc{};
  return *this;
}

SecBufferDesc* InputBuffers::Desc() {
  if (buffers_.empty()) return nullptr;
  desc_.ulVersion = SECBUFFER_VERSION;
  desc_.cBuffers = static_cast<unsigned long>(buffers_.size());
  desc_.pBuffers = buffers_.data();
  return &desc_;
}

bool InputBuffers::Missing(unsigned long* count) const {
  for (const SecBuffer& sec : buffers_) {
    if (sec.BufferType == SECBUFFER_MISSING) {
      *count = sec.cbBuffer;
      return true;
    }
  }
  return false;
}

bool InputBuffers::Extra(std::vector<uint8_t>* tail) const {
  for (const SecBuffer& sec : buffers_) {
    if (sec.BufferType != SECBUFFER_EXTRA) continue;
    // The extra bytes are the last cbBuffer bytes of the token input (reference:
    // SECBUFFER_EXTRA); never trust the count beyond what we passed in.
    for (size_t i = 0; i < buffers_.size(); i++) {
      if ((buffers_[i].BufferType & ~SECBUFFER_ATTRMASK) != SECBUFFER_TOKEN) continue;
      const std::vector<uint8_t>& token = storage_[i];
      const size_t count = sec.cbBuffer <= token.size() ? sec.cbBuffer : token.size();
      tail->assign(token.end() - count, token.end());
      return true;
    }
    return false;
  }
  return false;
}

OutputToken::OutputToken(unsigned long callerBytes)
    : packageAllocates_(callerBytes == 0), callerMemory_(callerBytes) {
  buffer_.BufferType = SECBUFFER_TOKEN;
  buffer_.cbBuffer = callerBytes;
  buffer_.pvBuffer = packageAllocates_ ? nullptr : callerMemory_.data();
  desc_.ulVersion = SECBUFFER_VERSION;
  desc_.cBuffers = 1;
  desc_.pBuffers = &buffer_;
}

OutputToken::~OutputToken() { Take(); }

std::vector<CopiedBuffer> OutputToken::Take() {
  std::vector<CopiedBuffer> copies;
  if (buffer_.pvBuffer == nullptr) return copies;
  const uint8_t* bytes = static_cast<const uint8_t*>(buffer_.pvBuffer);
  // Never read past our own memory, whatever cbBuffer says.
  size_t count = buffer_.cbBuffer;
  if (!packageAllocates_ && count > callerMemory_.size()) count = callerMemory_.size();
  copies.push_back(CopiedBuffer{SECBUFFER_TOKEN, std::vector<uint8_t>(bytes, bytes + count)});
  if (packageAllocates_) FreeContextBuffer(buffer_.pvBuffer);
  buffer_.pvBuffer = nullptr;
  buffer_.cbBuffer = 0;
  return copies;
}

Napi::Array CopiedBuffersToJs(Napi::Env env, const std::vector<CopiedBuffer>& buffers) {
  Napi::Array array = Napi::Array::New(env, buffers.size());
  for (size_t i = 0; i < buffers.size(); i++) {
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("type", Napi::Number::New(env, buffers[i].type));
    entry.Set("buffer", Napi::Buffer<uint8_t>::Copy(env, buffers[i].data.data(), buffers[i].data.size()));
    array.Set(static_cast<uint32_t>(i), entry);
  }
  return array;
}

}  // namespace credssp
