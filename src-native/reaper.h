// Releases nobody asked for (a handle the user forgot, found by a finalizer) run on one
// background thread, never on the JavaScript thread: FreeCredentialsHandle and
// DeleteSecurityContext call into LSA and may block, and a finalizer must not stall the event
// loop or a garbage collection. Tasks run in the order posted.
#pragma once

#include <functional>

namespace credssp {

// Queues the task; starts the thread on first use. Never blocks on SSPI.
void PostRelease(std::function<void()> task);

}  // namespace credssp
